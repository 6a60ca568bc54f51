"""Reads of the hazard register and the inbox. Every read takes the acting person (tenancy in one place)."""

from django.db.models import BooleanField, Case, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.models import HazardGrade, Photo
from core.errors import NotFound
from hazards.models import Hazard, HazardEvent, HazardStatus, Notification
from orgs.models import Person
from orgs.selectors import get_visible, scope_to


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


def hazard_get_for(person: Person, hazard_id) -> Hazard:
    """One hazard with its history, or 404 (also for another tenant's id)."""
    return get_visible(person, hazard_detail_queryset(hazards_visible_to(person)), hazard_id)


def notifications_of(person: Person) -> QuerySet[Notification]:
    """The person's own inbox, newest first; nobody reads another person's notifications."""
    return Notification.objects.filter(recipient=person).order_by("-created_at", "-id")


def notification_get_for(person: Person, notification_id) -> Notification:
    try:
        return notifications_of(person).get(pk=notification_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("未找到。")) from None


def hazard_photo_get_for(person: Person, photo_id) -> Photo:
    """A photo of a hazard the person may read: taken when it was found or shown with one of its moves
    (a rectification, a rejection). 404 otherwise, also for another tenant's photo."""
    visible = hazards_visible_to(person).order_by().values("pk")
    photo = (
        Photo.objects.filter(Q(hazards__in=visible) | Q(hazard_events__hazard__in=visible), pk=photo_id)
        .distinct()
        .first()
    )
    if photo is None:
        raise NotFound(_("未找到。"))
    return photo
