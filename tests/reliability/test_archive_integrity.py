"""Archive integrity: tampering behind the ORM is found by verify_archive, and an enterprise's archive
exports to a signed bundle (records, photos, manifest) that verifies offline, without the database."""

import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from checklists import services
from checklists.models import ArchiveHead, Inspection, InspectionResult, Photo
from orgs.models import Person
from tests.checklists.conftest import jpeg_bytes, scan_event, submission

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def archive(api, world, daily):
    """Three records of world.enterprise, the first citing a scan and saying when it finished (on site,
    no flags), the second citing a photo and the others flagged (no scan, too fast)."""
    worker = Person.objects.get(pk=world.worker.pk)
    photo, _ = services.photo_upload(
        by=worker, client_uuid=uuid.uuid4(), upload=SimpleUploadedFile("p.jpg", jpeg_bytes(color=(5, 50, 150)))
    )
    ids = []
    for index in range(3):
        body = submission(daily, world.post)
        if index == 0:
            event = scan_event(worker, world.post, at=timezone.now() - timedelta(minutes=5))
            body.update(
                scan_event=event.id,
                started_at=(timezone.now() - timedelta(minutes=4)).isoformat(),
                finished_at=(timezone.now() - timedelta(minutes=1)).isoformat(),
            )
        if index == 1:
            body["results"][0].update(value="not_ok", photos=[photo.id], note="压力不足")
        response = api.as_(world.worker).post("/api/v1/inspections/", body, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.data["id"])
    assert [bool(f) for f in Inspection.objects.order_by("id").values_list("flags", flat=True)] == [False, True, True]
    return ids


def verify_archive(capsys):
    try:
        call_command("verify_archive")
        return True, capsys.readouterr().out
    except CommandError:
        return False, capsys.readouterr().out


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# Each row: what someone with database access might change, as raw SQL behind the ORM.
TAMPERING = {
    "a reading": lambda ids: sql(
        "UPDATE checklists_inspectionresult SET value = %s WHERE inspection_id = %s AND kind = 'number'",
        ['"9.5"', ids[0]],
    ),
    "a note": lambda ids: sql("UPDATE checklists_inspectionresult SET note = 'ok' WHERE inspection_id = %s", [ids[1]]),
    "an outcome": lambda ids: sql(
        "UPDATE checklists_inspectionresult SET outcome = 'ok' WHERE inspection_id = %s", [ids[1]]
    ),
    "the start time": lambda ids: (
        sql("UPDATE checklists_inspection SET started_at = started_at - interval '1 day' WHERE id = %s", [ids[2]])
        if connection.vendor == "postgresql"
        else sql("UPDATE checklists_inspection SET started_at = '2020-01-01 00:00:00' WHERE id = %s", [ids[2]])
    ),
    "the late flag": lambda ids: sql("UPDATE checklists_inspection SET late = NOT late WHERE id = %s", [ids[0]]),
    "the photo's hash": lambda ids: sql("UPDATE checklists_photo SET sha256 = %s", ["0" * 64]),
    "a deleted last record": lambda ids: (
        sql("DELETE FROM checklists_inspectionresult WHERE inspection_id = %s", [ids[2]]),
        sql(
            "DELETE FROM checklists_inspectionresult_photos WHERE inspectionresult_id NOT IN "
            "(SELECT id FROM checklists_inspectionresult)",
            [],
        ),
        sql("DELETE FROM checklists_inspection WHERE id = %s", [ids[2]]),
    ),
    # Issue 12: the scan a record cites, when it finished, its flags (a flag removed, a detail changed, a
    # clean record given a flag) and the flagged mark kept beside them.
    "the scan event cited": lambda ids: sql(
        "UPDATE checklists_inspection SET scan_event_id = NULL WHERE id = %s", [ids[0]]
    ),
    "the finish time": lambda ids: sql("UPDATE checklists_inspection SET finished_at = NULL WHERE id = %s", [ids[0]]),
    "a flag removed": lambda ids: sql(
        "UPDATE checklists_inspection SET flags = %s, flagged = %s WHERE id = %s", ["[]", False, ids[1]]
    ),
    "a flag's detail": lambda ids: sql(
        "UPDATE checklists_inspection SET flags = %s WHERE id = %s",
        ['[{"code": "too_fast", "label": "完成过快", "detail": {"seconds": 60, "minimum": 8, "items": 4}}]', ids[2]],
    ),
    "a flag added": lambda ids: sql(
        "UPDATE checklists_inspection SET flags = %s, flagged = %s WHERE id = %s",
        ['[{"code": "too_fast", "label": "完成过快", "detail": {}}]', True, ids[0]],
    ),
    "the flagged mark": lambda ids: sql(
        "UPDATE checklists_inspection SET flagged = NOT flagged WHERE id = %s", [ids[2]]
    ),
    "the checks counted for the statistics": lambda ids: sql(
        "UPDATE checklists_archivehead SET slot_tallies = %s", ['{"2020-01": {"daily": [1, 0]}}']
    ),
    "the records counted as on site": lambda ids: sql(
        "UPDATE checklists_archivehead SET slot_tallies = %s", [json.dumps(one_more_on_site(ids))]
    ),
}


def one_more_on_site(ids) -> dict:
    """The head's tallies with one more record on site in the month of the first record (issue 12)."""
    tallies = ArchiveHead.objects.get(pk=Inspection.objects.get(pk=ids[0]).enterprise_id).slot_tallies
    month = next(iter(tallies))
    tallies[month]["records"][1] += 1
    return tallies


def test_an_untouched_archive_verifies(capsys, archive):
    ok, out = verify_archive(capsys)
    assert ok, out


@pytest.mark.parametrize("change", TAMPERING)
def test_tampering_with_a_stored_row_is_detected(capsys, world, archive, change):
    TAMPERING[change](archive)
    ok, out = verify_archive(capsys)
    assert not ok
    assert f"BROKEN  enterprise {world.enterprise.id}" in out


def export(tmp_path, world, name="bundle.zip") -> Path:
    out = tmp_path / name
    call_command("export_archive", "--enterprise", str(world.enterprise.id), "--out", str(out))
    return out


def verify(path, *extra, env=None) -> subprocess.CompletedProcess:
    """verify_bundle in a fresh process whose database does not exist: verification is offline."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ |= {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing", **(env or {})}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_bundle", str(path), *extra],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", ["bundle.zip", "bundle-dir"])
def test_an_exported_bundle_verifies_offline(tmp_path, world, archive, settings, name):
    settings.ARCHIVE_BUNDLE_KEY = b"k" * 32
    path = export(tmp_path, world, name)
    result = verify(path, "--key", "k" * 32)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bundle verified" in result.stdout


def test_the_bundle_holds_every_record_photo_and_a_manifest(tmp_path, world, archive):
    with zipfile.ZipFile(export(tmp_path, world)) as bundle:
        names = set(bundle.namelist())
        manifest = json.loads(bundle.read("manifest.json"))
        records = [json.loads(line) for line in bundle.read("records.jsonl").decode().splitlines()]
    photo = Photo.objects.get()
    assert f"photos/{photo.id}.jpg" in names and {"manifest.json", "manifest.sig", "photos.json"} <= names
    assert [r["record"]["sequence"] for r in records] == [1, 2, 3]
    assert [r["hash"] for r in records] == list(
        Inspection.objects.filter(enterprise=world.enterprise).order_by("sequence").values_list("hash", flat=True)
    )
    assert manifest["records"] == 3 and manifest["enterprise"]["id"] == world.enterprise.id
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig"}
    # Only this enterprise: the other one's records stay out.
    assert all(r["record"]["enterprise"] == world.enterprise.id for r in records)


def rewrite(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as bundle:
        files = {n: bundle.read(n) for n in bundle.namelist()}
    files[name] = change(files[name])
    with zipfile.ZipFile(path, "w") as bundle:
        for n, data in files.items():
            bundle.writestr(n, data)


def _edit_record(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    entry = json.loads(lines[1])
    entry["record"]["results"][0]["note"] = "一切正常"
    lines[1] = json.dumps(entry, ensure_ascii=False)
    return ("\n".join(lines) + "\n").encode()


BUNDLE_TAMPERING = {
    "a record": ("records.jsonl", _edit_record),
    "a photo": ("photos/{photo}.jpg", lambda data: data[:-10] + b"0" * 10),
    "the manifest": ("manifest.json", lambda data: data.replace(b'"records": 3', b'"records": 2')),
    "the signature": ("manifest.sig", lambda data: b"0" * 64),
}


@pytest.mark.parametrize("change", BUNDLE_TAMPERING)
def test_a_tampered_bundle_fails_offline_verification(tmp_path, world, archive, settings, change):
    settings.ARCHIVE_BUNDLE_KEY = b"k" * 32
    path = export(tmp_path, world)
    name, edit = BUNDLE_TAMPERING[change]
    rewrite(path, name.format(photo=Photo.objects.get().id), edit)
    result = verify(path, "--key", "k" * 32)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_a_bundle_signed_with_another_key_is_refused(tmp_path, world, archive, settings):
    settings.ARCHIVE_BUNDLE_KEY = b"k" * 32
    result = verify(export(tmp_path, world), "--key", "another key")
    assert result.returncode != 0 and "signature" in result.stdout


def test_a_rehashed_record_still_breaks_the_chain(tmp_path, world, archive, settings):
    """Someone who edits a record and recomputes its hash (but cannot re-sign) is still caught."""
    from checklists.archive import archive_hash
    from checklists.bundle import verify_bundle

    settings.ARCHIVE_BUNDLE_KEY = key = b"k" * 32
    out = export(tmp_path, world, "dir")
    records = out / "records.jsonl"
    lines = records.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["record"]["late"] = not entry["record"]["late"]
    entry["hash"] = archive_hash(entry["prev_hash"], entry["record"])
    lines[0] = json.dumps(entry)
    records.write_text("\n".join(lines) + "\n")
    assert any("records.jsonl" in p for p in verify_bundle(out, key=key))
    assert InspectionResult.objects.count() == 12  # exporting changed nothing
