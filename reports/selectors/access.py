"""Who may read the reports: the enterprise's safety managers, and regulators in scope."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import Forbidden
from orgs.models import SAFETY_MANAGER_ROLES, Enterprise, Person
from orgs.selectors import get_visible, member_only_enterprises, scope_to

# Who reads reviews, reports and dispatches: the enterprise's safety managers, and regulators in scope.
REPORT_READER_ROLES = SAFETY_MANAGER_ROLES


def access_report_enterprise(person: Person, enterprise_id) -> Enterprise:
    """An enterprise whose reports the person may read, or 404 (other tenants) / 403 (workers)."""
    enterprise = get_visible(person, Enterprise.objects.select_related("industry"), enterprise_id, via="")
    report_reader_required(person, enterprise.id)
    return enterprise


def report_reader_required(person: Person, enterprise_id: int) -> None:
    """Managers of the enterprise and regulators in scope read; a worker of the enterprise may not
    (unless a regulator in scope too: a membership never lowers a regulator's reach)."""
    if enterprise_id in member_only_enterprises(person, REPORT_READER_ROLES):
        raise Forbidden(_("您的角色无权查看检查台账。"))


def reports_readable(person: Person, queryset: QuerySet) -> QuerySet:
    """`scope_to`, minus the enterprises where the person is only a worker."""
    readable = scope_to(person, queryset)
    return readable.exclude(enterprise_id__in=member_only_enterprises(person, REPORT_READER_ROLES))


def access_report(person: Person, queryset: QuerySet, pk):
    """One review, report or dispatch the person may read: 404 for other tenants, 403 for workers."""
    found = get_visible(person, queryset, pk)
    report_reader_required(person, found.enterprise_id)
    return found


# The names before the access_<entity> convention (issue 13), for callers outside reports.
report_enterprise_get_for = access_report_enterprise
report_get_for = access_report
