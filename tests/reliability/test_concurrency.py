"""Concurrency on PostgreSQL: replays racing, hazard moves racing, a connection dropped mid-submission.

(tests/checklists/test_inspection_races.py already races identical and conflicting inspections and
checks the hash chain; this adds photos, more threads, hazards and dropped connections.)
"""

import threading
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from checklists import services as checklist_services
from checklists.models import ArchiveHead, Inspection, InspectionResult, Photo
from hazards import services as hazard_services
from hazards.models import Hazard, HazardEvent, HazardStatus
from orgs.models import Person, Role
from tests import factories
from tests.checklists.conftest import jpeg_bytes, submission
from tests.conftest import Client

pytestmark = [pytest.mark.postgres, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]
THREADS = 8


def race(calls):
    """Run the callables at the same instant, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001  (reported by the test)
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_n_threads_replaying_one_inspection_store_one_row(world, daily):
    body = submission(daily, world.post)
    responses = race([lambda: Client().as_(world.worker).post("/api/v1/inspections/", body, format="json")] * THREADS)
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert len({r.data["id"] for r in responses}) == 1
    assert Inspection.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert InspectionResult.objects.count() == len(body["results"])
    assert ArchiveHead.objects.get(pk=world.enterprise.id).last_sequence == 1


def test_n_threads_replaying_one_photo_store_one_row(world):
    key, data = str(uuid.uuid4()), jpeg_bytes(color=(9, 99, 199))

    def upload():
        image = SimpleUploadedFile("p.jpg", data, "image/jpeg")
        return (
            Client().as_(world.worker).post("/api/v1/photos/", {"client_uuid": key, "image": image}, format="multipart")
        )

    responses = race([upload] * THREADS)
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert len({r.data["id"] for r in responses}) == 1
    assert Photo.objects.filter(client_uuid=key).count() == 1


@pytest.fixture
def pending(world):
    """A hazard waiting for acceptance, and three people who may accept or reject it."""
    principal = factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person
    director = factories.MembershipFactory(enterprise=world.enterprise, role=Role.SAFETY_DIRECTOR).person
    worker = Person.objects.get(pk=world.worker.pk)
    hazard = hazard_services.hazard_report(
        by=worker, data={"enterprise": world.enterprise, "grade": "general", "description": "通道堵塞"}
    )
    hazard = hazard_services.hazard_assign(
        hazard=hazard,
        by=Person.objects.get(pk=world.officer.pk),
        responsible=world.worker,
        deadline=timezone.now() + timedelta(days=2),
    )
    photo, _ = checklist_services.photo_upload(
        by=worker, client_uuid=uuid.uuid4(), upload=SimpleUploadedFile("e.jpg", jpeg_bytes(color=(7, 7, 7)))
    )
    hazard = hazard_services.hazard_submit(hazard=hazard, by=worker, note="已整改", photos=[photo.id])
    return hazard, [world.officer, director, principal]


def assert_events_form_one_path(hazard):
    events = list(HazardEvent.objects.filter(hazard=hazard).order_by("at", "id"))
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.from_status == earlier.to_status, [(e.action, e.from_status, e.to_status) for e in events]
    assert events[-1].to_status == Hazard.objects.get(pk=hazard.pk).status


def test_accepts_and_rejects_racing_make_exactly_one_move(world, pending):
    hazard, deciders = pending
    url = f"/api/v1/hazards/{hazard.id}/"
    calls = []
    for index in range(THREADS):
        person = deciders[index % len(deciders)]
        move, body = ("accept", {"note": "合格"}) if index % 2 else ("reject", {"note": "不合格"})
        calls.append(lambda p=person, m=move, b=body: Client().as_(p).post(f"{url}{m}/", b, format="json"))
    responses = race(calls)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (THREADS - 1), codes
    assert Hazard.objects.get(pk=hazard.id).status in (HazardStatus.CLOSED, HazardStatus.RECTIFYING)
    assert HazardEvent.objects.filter(hazard=hazard, action__in=["accept", "reject"]).count() == 1
    assert_events_form_one_path(hazard)


def test_assigns_racing_leave_one_consistent_history(world, pending):
    """Every manager's (re-)assign succeeds, one after the other; a worker's is refused and leaves no trace."""
    hazard, deciders = pending
    hazard = hazard_services.hazard_reject(hazard=hazard, by=Person.objects.get(pk=world.officer.pk), note="重做")
    assigns_before = HazardEvent.objects.filter(hazard=hazard, action="assign").count()
    callers = [*deciders, *deciders, world.worker]  # a worker may not assign
    deadlines = [timezone.now() + timedelta(days=3 + index) for index in range(len(callers))]
    url = f"/api/v1/hazards/{hazard.id}/assign/"

    def assign(index):
        body = {"responsible": world.worker.id, "deadline": deadlines[index].isoformat(), "note": f"指派{index}"}
        return Client().as_(callers[index]).post(url, body, format="json")

    responses = race([lambda i=i: assign(i) for i in range(len(callers))])
    assert [getattr(r, "status_code", r) for r in responses] == [200] * (len(callers) - 1) + [403]
    events = list(HazardEvent.objects.filter(hazard=hazard, action="assign").order_by("at", "id"))[assigns_before:]
    # One event per successful assign, by its caller, each a re-assign (rectifying -> rectifying).
    assert sorted(e.note for e in events) == sorted(f"指派{i}" for i in range(len(callers) - 1))
    assert all(e.actor_id == callers[int(e.note[2:])].id for e in events)
    assert {(e.from_status, e.to_status) for e in events} == {(HazardStatus.RECTIFYING, HazardStatus.RECTIFYING)}
    # The hazard holds what the last one stored: its deadline, the one responsible.
    stored = Hazard.objects.get(pk=hazard.id)
    assert stored.status == HazardStatus.RECTIFYING
    assert stored.responsible_id == world.worker.id
    assert stored.deadline == deadlines[int(events[-1].note[2:])]
    assert_events_form_one_path(hazard)


# --- A database connection dropped in the middle of a submission, and the client retrying


def kill_own_connection():
    """Terminate this thread's PostgreSQL backend from a second connection, as a network drop would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"], port=params["PORT"] or 5432, autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def drop_once(monkeypatch):
    """Install an inspection hook that kills the connection once, inside the submission's transaction."""
    dropped = []

    def hook(inspection, results):
        if not dropped:
            dropped.append(inspection.client_uuid)
            kill_own_connection()

    monkeypatch.setattr(checklist_services, "_on_store_hooks", [*checklist_services._on_store_hooks, hook])
    return dropped


def post_in_thread(person, body):
    """One request in its own thread and connection (the test's connection stays untouched)."""
    return race([lambda: Client().as_(person).post("/api/v1/inspections/", body, format="json")])[0]


def test_a_connection_dropped_before_commit_then_retried_stores_exactly_one_record(world, daily, drop_once):
    body = submission(daily, world.post)
    first = post_in_thread(world.worker, body)
    assert isinstance(first, (OperationalError, InterfaceError)) or first.status_code >= 500, first
    assert drop_once and Inspection.objects.filter(client_uuid=body["client_uuid"]).count() == 0
    retry = post_in_thread(world.worker, body)
    assert retry.status_code == 201, retry.content
    assert Inspection.objects.filter(client_uuid=body["client_uuid"]).count() == 1
    assert InspectionResult.objects.count() == len(body["results"])
    assert ArchiveHead.objects.get(pk=world.enterprise.id).last_sequence == 1


def test_an_answer_lost_after_commit_then_retried_returns_the_stored_record(world, daily, monkeypatch):
    """The first send commits, then its answer is lost on the way back (the request fails after the
    commit). While it hangs there, the phone's retries race in; each gets the stored record."""
    committed, release, fired = threading.Event(), threading.Event(), []

    class AnswerLost(ConnectionResetError):
        pass

    def lose_the_answer():
        committed.set()
        release.wait(30)
        raise AnswerLost("the answer never reached the phone")

    def hook(inspection, results):
        if not fired:
            fired.append(inspection.client_uuid)
            transaction.on_commit(lose_the_answer)

    monkeypatch.setattr(checklist_services, "_on_store_hooks", [*checklist_services._on_store_hooks, hook])
    body = submission(daily, world.post)
    first = []
    original = threading.Thread(target=lambda: first.append(post_in_thread(world.worker, body)))
    original.start()
    try:
        assert committed.wait(30), "the first send never committed"
        assert Inspection.objects.filter(client_uuid=body["client_uuid"]).count() == 1
        retries = race([lambda: Client().as_(world.worker).post("/api/v1/inspections/", body, format="json")] * 3)
    finally:
        release.set()
        original.join(60)
    assert isinstance(first[0], AnswerLost), first  # the phone never saw an answer to its first send
    assert [getattr(r, "status_code", r) for r in retries] == [200] * 3
    stored = Inspection.objects.get(client_uuid=body["client_uuid"])
    assert {r.data["id"] for r in retries} == {stored.id}
    assert InspectionResult.objects.count() == len(body["results"])
    assert ArchiveHead.objects.get(pk=world.enterprise.id).last_sequence == 1
