from django.core.management.base import BaseCommand, CommandError

from checklists.selectors import archive_first_break
from orgs.models import Enterprise


class Command(BaseCommand):
    help = "Recompute every enterprise's archive hash chain and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--enterprise", type=int, action="append", help="Only this enterprise id (repeatable)")

    def handle(self, *args, enterprise=None, **options):
        enterprises = Enterprise.objects.order_by("id")
        if enterprise:
            enterprises = enterprises.filter(id__in=enterprise)
        broken = 0
        for ent in enterprises.iterator():
            found = archive_first_break(enterprise_id=ent.id)
            if found is None:
                self.stdout.write(f"ok      enterprise {ent.id} {ent.name}")
                continue
            broken += 1
            record = f"record #{found.sequence}" + (
                f" (inspection id {found.inspection_id})" if found.inspection_id else ""
            )
            self.stdout.write(f"BROKEN  enterprise {ent.id} {ent.name}: first broken link at {record}: {found.reason}")
        if broken:
            raise CommandError(f"{broken} enterprise archive(s) failed verification")
        self.stdout.write(self.style.SUCCESS("archive verified: every chain holds"))
