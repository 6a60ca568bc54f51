import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import libpq_env, sums_check


class Command(BaseCommand):
    help = (
        "Restore a backup folder (manage.py backup) into an EMPTY database (DATABASE_URL, or --database-url) "
        "and media folder (MEDIA_ROOT, or --media-root), after checking SHA256SUMS."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--database-url", help="default: the configured database")
        parser.add_argument("--media-root", type=Path, help="default: MEDIA_ROOT")

    def handle(self, backup, database_url, media_root, **options):
        bad = sums_check(backup)
        if bad:
            raise CommandError(f"the backup does not match its SHA256SUMS: {', '.join(bad[:10])}")
        if database_url:
            import dj_database_url

            database = dj_database_url.parse(database_url)
        else:
            from django.db import connection

            database = connection.settings_dict
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                f"--dbname={database['NAME']}",
                str(backup / "db.dump"),
            ],
            env=libpq_env(database),
            check=True,
        )
        self.stdout.write(f"database restored into {database['NAME']}")
        if (backup / "media").is_dir():
            target = media_root or Path(settings.MEDIA_ROOT)
            shutil.copytree(backup / "media", target, dirs_exist_ok=True)
            self.stdout.write(f"photos restored into {target}")
        elif (backup / "media-manifest.json").exists():
            self.stdout.write("object storage: the photos stay in the bucket (media-manifest.json lists them)")
