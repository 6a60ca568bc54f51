"""Issue 12: the statistics count each month's records, those verified on site (a scan of the same person
at the post shortly before) and those flagged, per enterprise and in the totals, in the API, the
workbook and the region page alike (one definition: reports.selectors.StatsFigures), read from the
archive heads' tallies (checklists.tallies) that inspection_submit keeps and verify_archive recounts.

The reports' archive (tests/reports/conftest.py) has 6 records in July: 5 scanned on site, post B's
check of 1 July not scanned (off site, flagged no_scan_event). Here 4 more are added."""

import importlib
import uuid
from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.apps import apps as django_apps

from checklists.models import ArchiveHead, Inspection
from checklists.selectors import archive_first_break
from checklists.services import inspection_submit
from checklists.tallies import count_slot_tallies
from reports.selectors import StatsFigures
from tests.reports.conftest import beijing, check, fresh, scanned

STATS = "/api/v1/stats/"
NOW = beijing(2024, 8, 10, 12, 0)
records_migration = importlib.import_module("checklists.migrations.0009_slot_tallies_records")


def too_fast(archive, world, at):
    """Scanned on site, but the two items answered in one second: stored, on site and flagged too_fast."""
    with time_machine.travel(at + timedelta(seconds=1), tick=False):
        inspection, _ = inspection_submit(
            by=fresh(world.worker),
            data={
                "client_uuid": uuid.uuid4(),
                "template": archive.daily.id,
                "post": archive.post_b.id,
                "started_at": at,
                "scan_event": scanned(fresh(world.worker), archive.post_b, at),
                "finished_at": at + timedelta(seconds=1),
                "results": [{"item": archive.valve.id, "value": "ok"}, {"item": archive.exit.id, "value": "ok"}],
            },
        )
    return inspection


@pytest.fixture
def more(world, archive):
    fast = too_fast(archive, world, beijing(2024, 7, 10, 8, 0))
    second = check(archive, world.post, at=beijing(2024, 7, 1, 10, 0))  # a second record of 1 July: no new check
    # The check of 31 July sent at 00:30 on 1 August: late, in July with its check.
    late = check(archive, world.post, at=beijing(2024, 7, 31, 23, 50), sent=beijing(2024, 8, 1, 0, 30))
    august = check(archive, world.post, at=beijing(2024, 8, 2, 8, 0), on_site=False)
    return fast, second, late, august


def stats(api, person, **query) -> dict:
    with time_machine.travel(NOW, tick=False):
        response = api.as_(person).get(STATS, {"month": "2024-07", **query})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_records_of_the_month_on_site_and_flagged_per_enterprise_and_in_total(api, world, archive, more):
    fast, second, late, august = more
    assert fast.on_site and fast.flagged and [f["code"] for f in fast.flags] == ["too_fast"]
    assert second.on_site and not second.first_of_slot and late.late and not august.on_site
    body = stats(api, world.regulator)
    rows = {row["id"]: row["figures"] for row in body["rows"]}
    mine = rows[world.enterprise.id]
    # 6 + 3 in July (the August one is not); on site 5 + 3; flagged: post B of 1 July and the fast one.
    assert (mine["records_received"], mine["records_on_site"], mine["records_flagged"]) == (9, 8, 2)
    assert (mine["on_site_rate"], mine["flagged_rate"]) == (round(8 / 9, 4), round(2 / 9, 4))
    # The second record of 1 July is a record, not a check: 1..3 July on post A, 31 July; 1, 3, 10 on B.
    # Done means on time: 5, and the 2 late ones (补录) apart.
    assert mine["checks"]["daily"]["done"] == 5 and mine["checks"]["daily"]["late"] == 2
    theirs = rows[world.other_enterprise.id]
    assert (theirs["records_received"], theirs["on_site_rate"], theirs["flagged_rate"]) == (0, None, None)
    total = body["total"]
    assert (total["records_received"], total["records_on_site"], total["records_flagged"]) == (9, 8, 2)
    assert (total["on_site_rate"], total["flagged_rate"]) == (mine["on_site_rate"], mine["flagged_rate"])

    august_figures = stats(api, world.regulator, month="2024-08")["total"]
    assert (august_figures["records_received"], august_figures["records_on_site"]) == (1, 0)
    assert (august_figures["records_flagged"], august_figures["flagged_rate"]) == (1, 1.0)

    by_region = stats(api, world.regulator, group_by="region")
    assert by_region["total"] == total
    assert [row["figures"]["records_received"] for row in by_region["rows"]] == [9]


def test_the_workbook_has_the_same_figures(api, world, archive, more):
    with time_machine.travel(NOW, tick=False):
        response = api.as_(world.regulator).get("/api/v1/stats.xlsx", {"month": "2024-07"})
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[2]
    lines = {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}
    mine, total = lines[world.enterprise.name], lines["合计"]
    for line in (mine, total):
        assert (line["检查记录数"], line["现场核验记录"], line["标记可疑记录"]) == (9, 8, 2)
        assert (line["现场核验率"], line["标记率"]) == (round(8 / 9, 4), round(2 / 9, 4))
    other = lines[world.other_enterprise.name]
    assert other["检查记录数"] == 0 and other["现场核验率"] is None and other["标记率"] is None
    assert header.index("现场核验率") < header.index("标记率") == len(header) - 1  # after the existing columns

    with time_machine.travel(NOW, tick=False):
        english = api.as_(world.regulator).get("/api/v1/stats.xlsx", {"month": "2024-07"}, HTTP_ACCEPT_LANGUAGE="en")
    header = list(openpyxl.load_workbook(BytesIO(english.content)).active.iter_rows(values_only=True))[2]
    assert header[-5:] == ("Records", "Records on site", "On-site rate", "Records flagged", "Flagged rate")


def test_one_definition_of_the_rates():
    figures = StatsFigures(records_received=3, records_on_site=2, records_flagged=1)
    assert (figures.on_site_rate, figures.flagged_rate) == (0.6667, 0.3333)
    assert (StatsFigures().on_site_rate, StatsFigures().flagged_rate) == (None, None)
    total = StatsFigures()
    total.add(figures)
    total.add(StatsFigures(records_received=1, records_flagged=1))
    assert (total.records_received, total.records_on_site, total.records_flagged) == (4, 2, 2)
    assert (total.on_site_rate, total.flagged_rate) == (0.5, 0.5)


def test_the_counts_are_those_of_the_records_and_the_migration_recounts_them(world, archive, more):
    assert archive_first_break(enterprise_id=world.enterprise.id) is None  # verify_archive's recount agrees
    head = ArchiveHead.objects.get(pk=world.enterprise.id)
    assert head.slot_tallies["2024-07"]["records"] == [9, 8, 2]
    assert head.slot_tallies["2024-08"]["records"] == [1, 0, 1]
    assert count_slot_tallies(Inspection.objects.all()) == {world.enterprise.id: head.slot_tallies}
    live = head.slot_tallies

    # Heads counted before issue 12 have no records: the migration counts those already stored.
    ArchiveHead.objects.update(slot_tallies={"2024-07": {"daily": [7, 2], "weekly": [1, 0]}})
    assert "do not match" in archive_first_break(enterprise_id=world.enterprise.id).reason
    records_migration.count_records(django_apps, None)
    assert ArchiveHead.objects.get(pk=world.enterprise.id).slot_tallies == live


def test_the_statistics_read_the_heads_not_the_records(api, world, archive, more):
    """A month of records is not counted again per request: the figures are the heads' tallies."""
    Inspection.objects.filter(pk=more[0].pk).update(flagged=False)  # behind the ORM: the head is unchanged
    assert stats(api, world.regulator)["total"]["records_flagged"] == 2
