from pathlib import Path

from django.core.management.base import BaseCommand

from core.backup import STAMP, backup_write, backups_to_delete


class Command(BaseCommand):
    help = "Write a backup (pg_dump, the photos or an object-store manifest, SHA256SUMS) into DEST/<time>/."

    def add_arguments(self, parser):
        parser.add_argument("destination", type=Path)
        parser.add_argument("--keep-daily", type=int, default=0, help="keep the newest N backups (0: delete none)")
        parser.add_argument("--keep-monthly", type=int, default=0, help="and the newest of each of the last N months")

    def handle(self, destination, keep_daily, keep_monthly, **options):
        folder = backup_write(destination)
        self.stdout.write(f"backup written: {folder}")
        if keep_daily:
            from datetime import datetime

            def is_backup(path):
                try:
                    datetime.strptime(path.name, STAMP)
                except ValueError:
                    return False
                return path.is_dir()

            names = [p.name for p in destination.iterdir() if is_backup(p)]
            for name in backups_to_delete(names, keep_daily=keep_daily, keep_monthly=keep_monthly):
                import shutil

                shutil.rmtree(destination / name)
                self.stdout.write(f"deleted by retention: {name}")
