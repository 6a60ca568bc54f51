from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from checklists.bundle import export_bundle
from orgs.models import Enterprise


class Command(BaseCommand):
    help = "Export an enterprise's archive (records, photos, manifest) as a signed bundle: a directory or a .zip."

    def add_arguments(self, parser):
        parser.add_argument("--enterprise", type=int, required=True, help="Enterprise id")
        parser.add_argument("--out", required=True, help="A directory, or a file name ending in .zip")

    def handle(self, *args, enterprise, out, **options):
        found = Enterprise.objects.filter(pk=enterprise).first()
        if found is None:
            raise CommandError(f"no enterprise with id {enterprise}")
        out = Path(out)
        if out.suffix != ".zip" and out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} exists and is not empty")
        manifest = export_bundle(enterprise=found, out=out, key=settings.ARCHIVE_BUNDLE_KEY)
        count = manifest["records"]
        message = f"exported {count} record(s) of enterprise {found.id} {found.name} to {out}"
        self.stdout.write(self.style.SUCCESS(message))
