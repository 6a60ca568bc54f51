"""Inspection.first_of_slot: the record that counts for its post, template and period, set when stored."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from checklists.models import Inspection
from tests import factories
from tests.checklists.conftest import submission
from tests.checklists.test_inspection_races import post_concurrently

URL = "/api/v1/inspections/"
backfill_migration = importlib.import_module("checklists.migrations.0003_inspection_first_of_slot")


def send(api, person, body, at: datetime):
    with time_machine.travel(at):
        response = api.as_(person).post(URL, body)
    assert response.status_code == 201, response.data
    return Inspection.objects.get(pk=response.data["id"])


def test_the_first_record_of_a_slot_is_marked_and_later_ones_are_not(api, world, daily):
    morning = datetime(2024, 7, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    first = send(api, world.worker, submission(daily, world.post, started_at="2024-07-03T09:00:00+08:00"), morning)
    second = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-03T15:00:00+08:00"),
        datetime(2024, 7, 3, 7, 0, tzinfo=UTC),
    )
    next_day = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-04T09:00:00+08:00"),
        datetime(2024, 7, 4, 1, 0, tzinfo=UTC),
    )
    assert (first.period, second.period, next_day.period) == ("2024-07-03", "2024-07-03", "2024-07-04")
    assert (first.first_of_slot, second.first_of_slot, next_day.first_of_slot) == (True, False, True)


def test_another_post_or_template_is_another_slot(api, world, daily):
    at = datetime(2024, 7, 3, 1, 0, tzinfo=UTC)
    started = "2024-07-03T09:00:00+08:00"
    other_post = factories.PostFactory(enterprise=world.enterprise)
    daily.template.posts.add(other_post)
    other_post.holders.add(world.worker)
    one = send(api, world.worker, submission(daily, world.post, started_at=started), at)
    two = send(api, world.worker, submission(daily, other_post, started_at=started), at)
    assert one.first_of_slot and two.first_of_slot


def test_a_correction_in_the_same_slot_keeps_the_original_as_the_first(api, world, daily):
    at = datetime(2024, 7, 3, 1, 0, tzinfo=UTC)
    original = send(api, world.worker, submission(daily, world.post, started_at="2024-07-03T09:00:00+08:00"), at)
    correction = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-03T09:30:00+08:00", corrects=original.id),
        datetime(2024, 7, 3, 1, 30, tzinfo=UTC),
    )
    assert correction.corrects_id == original.id
    assert not correction.first_of_slot
    assert Inspection.objects.get(pk=original.pk).first_of_slot


def test_a_correction_made_in_an_empty_slot_counts_for_that_slot(api, world, daily):
    # A correction is a record of the period of its own started_at: filed in an empty slot, it is the
    # check of that slot, as the statistics counted it before the flag existed.
    original = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-03T09:00:00+08:00"),
        datetime(2024, 7, 3, 1, 0, tzinfo=UTC),
    )
    correction = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-04T09:00:00+08:00", corrects=original.id),
        datetime(2024, 7, 4, 1, 0, tzinfo=UTC),
    )
    assert correction.period == "2024-07-04" and correction.first_of_slot


def test_a_late_record_is_the_first_of_an_empty_slot_and_not_of_a_done_one(api, world, daily):
    late = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-03T23:50:00+08:00"),
        datetime(2024, 7, 4, 0, 30, tzinfo=UTC),  # 08:30 the next morning in Beijing
    )
    assert late.period == "2024-07-03" and late.late and late.first_of_slot
    send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-04T08:00:00+08:00"),
        datetime(2024, 7, 4, 0, 10, tzinfo=UTC),
    )
    copy = send(
        api,
        world.worker,
        submission(daily, world.post, started_at="2024-07-04T08:05:00+08:00"),
        datetime(2024, 7, 5, 0, 30, tzinfo=UTC),
    )
    assert copy.period == "2024-07-04" and copy.late and not copy.first_of_slot


def test_a_replayed_submission_stores_nothing_and_keeps_the_flag(api, world, daily):
    body = submission(daily, world.post)
    first = api.as_(world.worker).post(URL, body)
    again = api.as_(world.worker).post(URL, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Inspection.objects.get().first_of_slot


def test_the_database_refuses_two_first_records_of_one_slot(world):
    record = factories.InspectionFactory(post=world.post, at=datetime(2024, 7, 3, 1, tzinfo=UTC))
    assert record.first_of_slot
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.InspectionFactory(
            post=world.post, template=record.template, at=record.received_at, first_of_slot=True
        )


def test_the_backfill_marks_the_record_the_statistics_counted(world):
    template = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post])

    def record(hour, **kwargs):
        at = datetime(2024, 7, 3, hour, tzinfo=UTC)
        return factories.InspectionFactory(post=world.post, template=template, at=at, **kwargs)

    plain = record(1)
    record(2)  # a second copy
    # A slot whose first record is late and a later one on time (possible before records were stored in
    # the order received): the on-time one was the check that counted, and stays so.
    late_first = record(3, period="2024-07-01", late=True)
    on_time_later = record(4, period="2024-07-01")
    all_late = record(5, period="2024-07-02", late=True)
    record(6, period="2024-07-02", late=True)
    Inspection.objects.update(first_of_slot=False)

    class Editor:  # what the migration reads of its schema editor
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    backfill_migration.backfill(apps, Editor())
    marked = set(Inspection.objects.filter(first_of_slot=True).values_list("pk", flat=True))
    assert marked == {plain.pk, on_time_later.pk, all_late.pk}
    assert late_first.pk not in marked


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_records_of_one_slot_racing_give_exactly_one_first(world, daily):
    for day in range(5):  # several rounds, one slot (day) each: the race must not be won by luck
        started = (timezone.now() - timedelta(days=day)).isoformat()
        bodies = [(world.worker, submission(daily, world.post, started_at=started)) for _ in range(3)]
        responses = post_concurrently(bodies)
        assert [r.status_code for r in responses] == [201] * 3
        slot = Inspection.objects.filter(pk__in=[r.data["id"] for r in responses])
        assert len({record.period for record in slot}) == 1
        assert slot.filter(first_of_slot=True).count() == 1
        assert slot.get(first_of_slot=True).sequence == min(record.sequence for record in slot)
