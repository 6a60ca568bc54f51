"""Who may read the reports: the enterprise's safety managers, and regulators in scope."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import Forbidden
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person
from orgs.selectors import get_visible, regulates, role_in, scope_to

# Who reads reviews, reports and dispatches: the enterprise's safety managers, and regulators in scope.
REPORT_READER_ROLES = SAFETY_MANAGER_ROLES


def access_report_enterprise(person: Person, enterprise_id) -> Enterprise:
    """An enterprise whose reports the person may read, or 404 (other tenants) / 403 (workers)."""
    enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    report_reader_required(person, enterprise.id)
    return enterprise


def report_reader_required(person: Person, enterprise_id: int) -> None:
    """For an enterprise the person reads: its managers and regulators in scope read its reports; a
    worker of it may not (unless a regulator in scope too: a membership never lowers a regulator's
    reach). `enterprises_readable_by(person, roles=REPORT_READER_ROLES)`, with a 403 for the worker."""
    role = role_in(person, enterprise_id)
    if role is not None and role not in REPORT_READER_ROLES and not regulates(person, enterprise_id):
        raise Forbidden(_("您的角色无权查看检查台账。"))


def reports_readable(person: Person, queryset: QuerySet) -> QuerySet:
    """The reviews, reports or dispatches of the enterprises the person reads as a report reader."""
    return scope_to(person, queryset, roles=REPORT_READER_ROLES)


def access_report(person: Person, queryset: QuerySet, pk):
    """One review, report or dispatch the person may read: 404 for other tenants, 403 for workers."""
    found = get_visible(person, queryset, pk)
    report_reader_required(person, found.enterprise_id)
    return found
