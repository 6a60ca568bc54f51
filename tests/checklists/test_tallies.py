"""Slot tallies: the checks done per month and tier, and the records received, on site and flagged per
month, counted on the archive head as records are stored."""

import importlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.apps import apps as django_apps

from checklists.models import ArchiveHead, Inspection
from checklists.tallies import count_slot_tallies, month_of_period, rebuild_slot_tallies
from tests import factories
from tests.checklists.conftest import scan_event, submission

URL = "/api/v1/inspections/"
tallies_migration = importlib.import_module("checklists.migrations.0005_archive_head_slot_tallies")
records_migration = importlib.import_module("checklists.migrations.0009_slot_tallies_records")


@pytest.mark.parametrize(
    ("key", "month"),
    [
        ("2024-07-03", "2024-07"),
        ("2024-07", "2024-07"),
        ("2024-W27", "2024-07"),  # Monday 1 July
        ("2024-W31", "2024-07"),  # Monday 29 July: the week counts in July, though it ends in August
        ("2025-W01", "2024-12"),  # Monday 30 December 2024
        ("2024-Q3", "2024-07"),
        ("2024-Q1", "2024-01"),
    ],
)
def test_a_period_counts_in_the_month_it_begins_in(key, month):
    assert month_of_period(key) == month


def send(api, person, body, at: datetime) -> int:
    with time_machine.travel(at):
        response = api.as_(person).post(URL, body)
    assert response.status_code in (200, 201), response.data
    return response.status_code


def head_tallies(world) -> dict:
    return ArchiveHead.objects.get(pk=world.enterprise.pk).slot_tallies


def test_the_first_record_of_each_slot_is_counted_once_and_late_when_it_is_late(api, world, daily):
    scanned = scan_event(world.worker, world.post, at=datetime(2024, 7, 3, 0, 59, tzinfo=UTC))
    body = submission(  # scanned a minute before and taking a minute: on site, not flagged
        daily,
        world.post,
        started_at="2024-07-03T09:00:00+08:00",
        scan_event=scanned.id,
        finished_at="2024-07-03T09:01:00+08:00",
    )
    send(api, world.worker, body, datetime(2024, 7, 3, 1, 1, tzinfo=UTC))
    send(api, world.worker, body, datetime(2024, 7, 3, 1, 5, tzinfo=UTC))  # a replay: 200, nothing new
    again = submission(daily, world.post, started_at="2024-07-03T15:00:00+08:00")  # same day: not a new check
    send(api, world.worker, again, datetime(2024, 7, 3, 7, tzinfo=UTC))
    late = submission(daily, world.post, started_at="2024-07-04T23:00:00+08:00")  # sent after the day closed
    send(api, world.worker, late, datetime(2024, 7, 5, 2, tzinfo=UTC))
    august = submission(daily, world.post, started_at="2024-08-01T00:30:00+08:00")  # 16:30 UTC on 31 July
    send(api, world.worker, august, datetime(2024, 7, 31, 16, 31, tzinfo=UTC))

    assert Inspection.objects.count() == 4
    assert Inspection.objects.filter(on_site=True).count() == 1 and Inspection.objects.filter(flagged=True).count() == 3
    # Every record counts in the month of its period: the late one of 4 July in July, with its check.
    assert head_tallies(world) == {
        "2024-07": {"daily": [2, 1], "records": [3, 1, 2]},
        "2024-08": {"daily": [1, 0], "records": [1, 0, 1]},
    }
    assert count_slot_tallies(Inspection.objects.all()) == {world.enterprise.pk: head_tallies(world)}

    # The statistics tests build their records with InspectionFactory: the same records built that way
    # (in another enterprise) get the same first-of-slot marks and the same tallies as inspection_submit's.
    submitted = list(Inspection.objects.order_by("sequence"))
    template = factories.TemplateFactory(enterprise=world.other_enterprise, tier=daily.template.tier)
    built = [
        factories.InspectionFactory(
            post=world.other_post,
            template=template,
            at=record.received_at,
            period=record.period,
            late=record.late,
            on_site=record.on_site,
            flagged=record.flagged,
        )
        for record in submitted
    ]
    assert [r.first_of_slot for r in built] == [r.first_of_slot for r in submitted] == [True, False, True, True]
    assert ArchiveHead.objects.get(pk=world.other_enterprise.pk).slot_tallies == head_tallies(world)


def test_a_refused_submission_counts_nothing(api, world, daily):
    body = submission(daily, world.post, started_at="2024-07-03T09:00:00+08:00")
    body["results"][1]["value"] = 99  # outside the item's range: a 400
    with time_machine.travel(datetime(2024, 7, 3, 1, tzinfo=UTC)):
        response = api.as_(world.worker).post(URL, body)
    assert response.status_code == 400
    assert not ArchiveHead.objects.filter(pk=world.enterprise.pk).exclude(slot_tallies={}).exists()


def test_the_migration_counts_the_records_already_stored(api, world, daily):
    for day in (3, 4):
        body = submission(daily, world.post, started_at=f"2024-07-0{day}T09:00:00+08:00")
        send(api, world.worker, body, datetime(2024, 7, day, 1, tzinfo=UTC))
    live = head_tallies(world)
    ArchiveHead.objects.update(slot_tallies={})
    tallies_migration.count_existing_records(django_apps, None)  # what the migration runs: the checks only
    assert head_tallies(world) == {"2024-07": {"daily": [2, 0]}}
    records_migration.count_records(django_apps, None)  # then 0009 counts the records (none scanned here)
    assert head_tallies(world) == live == {"2024-07": {"daily": [2, 0], "records": [2, 0, 2]}}


def test_a_bulk_load_gets_its_tallies_and_a_head_when_it_has_none(world):
    factories.InspectionFactory(post=world.post, at=datetime(2024, 7, 3, 1, tzinfo=UTC))
    ArchiveHead.objects.all().delete()  # as after a COPY of records (bench/rollup.py)
    assert rebuild_slot_tallies(Inspection, ArchiveHead) == 1
    tier = Inspection.objects.get().tier
    assert head_tallies(world) == {"2024-07": {tier: [1, 0], "records": [1, 1, 0]}}
