from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from checklists.bundle import verify_bundle


class Command(BaseCommand):
    help = "Verify an archive bundle offline: signature, files, hash chain. Needs no database."
    requires_system_checks = []  # offline: nothing here may touch the database
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("path", help="The bundle: a directory or a .zip")
        parser.add_argument("--key", help="The signing key (default: settings.ARCHIVE_BUNDLE_KEY)")

    def handle(self, *args, path, key=None, **options):
        problems = verify_bundle(Path(path), key=key.encode() if key else settings.ARCHIVE_BUNDLE_KEY)
        for problem in problems:
            self.stdout.write(f"BROKEN  {problem}")
        if problems:
            raise CommandError("the bundle failed verification")
        self.stdout.write(self.style.SUCCESS("bundle verified: signature, files and hash chain hold"))
