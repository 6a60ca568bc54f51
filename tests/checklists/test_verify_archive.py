import pytest
from django.core.management import CommandError, call_command

from checklists.models import Inspection, InspectionResult
from tests.checklists.conftest import submission


@pytest.fixture
def three_records(api, world, daily):
    return [api.as_(world.worker).post("/api/v1/inspections/", submission(daily, world.post)).data for _ in range(3)]


def verify(capsys, *args):
    try:
        call_command("verify_archive", *args)
        failed = False
    except CommandError:
        failed = True
    return failed, capsys.readouterr().out


def test_an_untouched_archive_verifies(capsys, three_records):
    failed, out = verify(capsys)
    assert not failed and "every chain holds" in out


def test_a_result_altered_behind_the_api_is_reported_at_its_record(capsys, world, three_records):
    second = three_records[1]["id"]
    InspectionResult.objects.filter(inspection_id=second).update(value="not_ok")
    failed, out = verify(capsys)
    assert failed
    assert f"record #2 (inspection id {second})" in out and "altered" in out


def test_a_deleted_record_in_the_middle_or_at_the_end_is_reported(capsys, world, three_records):
    last = three_records[2]["id"]
    InspectionResult.objects.filter(inspection_id=last).delete()
    Inspection.objects.filter(pk=last).delete()
    failed, out = verify(capsys)
    assert failed and "rows deleted" in out
    first = three_records[0]["id"]
    InspectionResult.objects.filter(inspection_id=first).delete()
    Inspection.objects.filter(pk=first).delete()
    failed, out = verify(capsys)
    assert failed and "record #1 is missing" in out


def test_a_changed_flag_on_the_record_itself_is_caught(capsys, world, three_records):
    Inspection.objects.filter(pk=three_records[0]["id"]).update(late=True)
    failed, out = verify(capsys, "--enterprise", str(world.enterprise.id))
    assert failed and "record #1" in out
