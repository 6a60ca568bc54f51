"""Reads of the hazard register and the inbox. Every read takes the acting person (tenancy in one place)."""

from django.db.models import BooleanField, Case, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from checklists.models import HazardGrade
from hazards.models import Hazard, HazardEvent, HazardStatus, Notification
from orgs.models import Person
from orgs.selectors import get_or_404, get_visible, scope_to


def with_overdue(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    """Annotate `overdue` in the database, with the same rule as Hazard.is_overdue."""
    now = timezone.now()
    return queryset.annotate(
        overdue=Case(
            When(~Q(status=HazardStatus.CLOSED) & Q(deadline__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def hazards_visible_to(person: Person) -> QuerySet[Hazard]:
    """The register as the person may read it, most urgent first: overdue, then major before general,
    then the nearest deadline (none last), then the newest. One query whatever the number of rows."""
    major_first = Case(When(grade=HazardGrade.MAJOR, then=Value(0)), default=Value(1))
    queryset = with_overdue(Hazard.objects.select_related("enterprise", "post", "responsible", "found_by"))
    return scope_to(person, queryset).order_by(
        F("overdue").desc(), major_first, F("deadline").asc(nulls_last=True), "-found_at", "-id"
    )


def hazard_detail_queryset(queryset: QuerySet[Hazard]) -> QuerySet[Hazard]:
    """What the detail shows: the photos and every event with its actor and photos (three more queries)."""
    events = Prefetch("events", queryset=HazardEvent.objects.select_related("actor").prefetch_related("photos"))
    return queryset.prefetch_related("photos", events)


def access_hazard(person: Person, hazard_id) -> Hazard:
    """One hazard with its history, or 404 (also for another tenant's id). The moves of the workflow
    fetch theirs through HazardViewSet.get_object and check the roles in the services."""
    return get_visible(person, hazard_detail_queryset(hazards_visible_to(person)), hazard_id)


def notifications_of(person: Person) -> QuerySet[Notification]:
    """The person's own inbox, newest first; nobody reads another person's notifications."""
    return Notification.objects.filter(recipient=person).order_by("-created_at", "-id")


def access_notification(person: Person, notification_id) -> Notification:
    """One of the person's own notifications, else 404 (reading and marking read are the same right)."""
    return get_or_404(notifications_of(person), notification_id)
