"""The tenancy matrix: every /api/v1 endpoint against every role, generated from one table.

Roles: the five enterprise roles, a regulator in scope, a regulator out of scope, a worker of another
enterprise and an anonymous caller. For each endpoint the table says who succeeds; everyone else in
scope gets 403 (or 404 where the object is private to one person), everyone out of scope gets 404
(another tenant's id reveals nothing) and the anonymous caller 401. A refused write changes nothing.
Lists: in-scope readers see the enterprise's objects, out-of-scope callers see none of them.

`test_every_api_route_has_a_row` fails naming any route of the URL conf missing from ROWS: a new
endpoint gets a row of one or two lines (see the examples below).
"""

import hashlib
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator
from PIL import Image

from cards import services as card_services
from cards.models import Card
from cards.services import card_publish
from checklists import services as checklist_services
from checklists.onboarding import onboarding_export
from hazards import services as hazard_services
from hazards.models import JudgmentClause, Notification
from orgs.models import Membership, Person, Role
from qr.models import CardSheet
from qr.services import qr_token_issue, qr_tokens_issue_all
from reports import services as report_services
from reports.models import MonthlyDispatch, WeeklyReport
from risks import services as risk_services
from risks.models import Control, HazardSource, RiskPoint
from tests import factories
from tests.checklists.conftest import jpeg_bytes, submission
from tests.hazards.test_ledger import rows_of as ledger_rows
from tests.hazards.test_ledger import workbook as ledger_workbook

MEMBERS = ("worker", "officer", "director", "principal", "admin")
READERS = (*MEMBERS, "regulator")  # everyone who may read world.enterprise
FOREIGN = ("far_regulator", "outsider")  # authenticated, but world.enterprise is another tenant
ROLES = (*READERS, *FOREIGN, "anonymous")
MANAGERS = ("officer", "director", "principal", "admin")  # orgs.models.SAFETY_MANAGER_ROLES
ORG_ADMINS = ("principal", "admin")  # orgs.models.ORG_ADMIN_ROLES
ACCEPTORS = ("officer", "director", "principal")  # hazards.services.ACCEPTING_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TENANT_APPS = ("orgs", "risks", "cards", "checklists", "hazards", "qr", "reports")
REPORT_READERS = (*MANAGERS, "regulator")  # reports.selectors.REPORT_READER_ROLES and regulators in scope
QR_READERS = (*MANAGERS, "regulator")  # qr.selectors.qr_print_check


@dataclass(frozen=True)
class Row:
    """What one endpoint answers to each role.

    url(o) -> path, body(o) -> request data (writes); ok: roles that succeed with `status`;
    in-scope roles not in ok get `denied`; FOREIGN roles `foreign`; anonymous `anonymous`.
    For lists (listed is set) FOREIGN roles get 200 and none of `listed(o)`; the roles in `sees` (default:
    READERS) see all of it, any other role none of it. `expect` overrides single roles.
    """

    url: Callable
    ok: tuple = READERS
    status: int = 200
    body: Callable | None = None
    denied: int = 403
    foreign: int = 404
    anonymous: int = 401
    listed: Callable | None = None
    fmt: str = "json"
    expect: dict = field(default_factory=dict)
    sees: tuple = READERS

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return self.anonymous
        if role in self.ok:
            return self.status
        if role in FOREIGN:
            return 200 if self.listed else self.foreign
        return self.denied


def read(url, **kw) -> Row:
    return Row(url=url, **kw)


def listing(url, listed, **kw) -> Row:
    return Row(url=url, listed=listed, ok=(*READERS, *FOREIGN), **kw)


def write(url, body, ok, status=200, **kw) -> Row:
    return Row(url=url, body=body, ok=ok, status=status, **kw)


def later(days=3) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, format="PNG")
    return out.getvalue()


def image(o) -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", jpeg_bytes(color=(10, 20, 30)), "image/jpeg")


PUT_ENTERPRISE = lambda o: {  # noqa: E731
    "name": "改名企业",
    "credit_code": o.enterprise.credit_code,
    "region": o.enterprise.region_id,
    "industry": o.enterprise.industry_id,
}
ITEMS = lambda o: [{"label": "灭火器", "kind": "check"}]  # noqa: E731


def workbook(o) -> SimpleUploadedFile:
    # Built when asked (by the one row importing it): the export costs more than the rest of `objects`.
    return SimpleUploadedFile("import.xlsx", onboarding_export(enterprise=o.enterprise), XLSX)


# "METHOD /path/{pk}/" exactly as drf-spectacular enumerates the URL conf.
ROWS: dict[str, Row] = {
    # --- auth and discovery: open to all, or about the caller only
    "POST /api/v1/auth/token/": write(
        lambda o: "/api/v1/auth/token/",
        lambda o: {"username": "nobody", "password": "wrong"},
        ok=(),
        anonymous=401,
        denied=401,
        foreign=401,
    ),
    "POST /api/v1/auth/refresh/": write(
        lambda o: "/api/v1/auth/refresh/", lambda o: {"refresh": "x"}, ok=(), denied=401, foreign=401
    ),
    # One login for the phone page and the pages (issue 14): about the caller only. The session-token
    # endpoint authenticates by session alone (an anonymous caller: 403, SessionAuthentication has no
    # challenge); the session endpoint by token alone.
    "POST /api/v1/auth/session-token/": write(lambda o: "/api/v1/auth/session-token/", None, ROLES[:-1], anonymous=403),
    "POST /api/v1/auth/session/": write(lambda o: "/api/v1/auth/session/", None, ROLES[:-1], 204),
    # Logout revokes the refresh token it is given, whoever calls (no login needed): 204 for everyone.
    "POST /api/v1/auth/logout/": write(
        lambda o: "/api/v1/auth/logout/", lambda o: {"refresh": "x"}, ROLES[:-1], 204, anonymous=204, foreign=204
    ),
    "GET /api/v1/me/": read(lambda o: "/api/v1/me/", ok=ROLES[:-1]),
    "GET /api/v1/regions/": listing(lambda o: "/api/v1/regions/", None, expect={}),
    "GET /api/v1/regions/{pk}/": read(lambda o: f"/api/v1/regions/{o.enterprise.region_id}/", ok=ROLES[:-1]),
    "GET /api/v1/industries/": listing(lambda o: "/api/v1/industries/", None),
    "GET /api/v1/industries/{pk}/": read(lambda o: f"/api/v1/industries/{o.enterprise.industry_id}/", ok=ROLES[:-1]),
    # --- organisation
    "GET /api/v1/enterprises/": listing(lambda o: "/api/v1/enterprises/", lambda o: {o.enterprise.id}),
    "POST /api/v1/enterprises/": write(
        lambda o: "/api/v1/enterprises/",
        lambda o: PUT_ENTERPRISE(o) | {"credit_code": factories.make_credit_code(777)},
        ok=(),
        foreign=403,
    ),
    "GET /api/v1/enterprises/{pk}/": read(lambda o: f"/api/v1/enterprises/{o.enterprise.id}/"),
    "PUT /api/v1/enterprises/{pk}/": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/", PUT_ENTERPRISE, ORG_ADMINS
    ),
    "PATCH /api/v1/enterprises/{pk}/": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/", lambda o: {"name": "改名"}, ORG_ADMINS
    ),
    "GET /api/v1/departments/": listing(lambda o: "/api/v1/departments/", lambda o: {o.department.id}),
    "POST /api/v1/departments/": write(
        lambda o: "/api/v1/departments/",
        lambda o: {"enterprise": o.enterprise.id, "name": "新部门"},
        ORG_ADMINS,
        201,
        foreign=400,
    ),
    "GET /api/v1/departments/{pk}/": read(lambda o: f"/api/v1/departments/{o.department.id}/"),
    "PUT /api/v1/departments/{pk}/": write(
        lambda o: f"/api/v1/departments/{o.department.id}/",
        lambda o: {"enterprise": o.enterprise.id, "name": "改名"},
        ORG_ADMINS,
    ),
    "PATCH /api/v1/departments/{pk}/": write(
        lambda o: f"/api/v1/departments/{o.department.id}/", lambda o: {"name": "改名"}, ORG_ADMINS
    ),
    "DELETE /api/v1/departments/{pk}/": write(
        lambda o: f"/api/v1/departments/{o.department.id}/", None, ORG_ADMINS, 204
    ),
    "GET /api/v1/posts/": listing(lambda o: "/api/v1/posts/", lambda o: {o.post.id}),
    "POST /api/v1/posts/": write(
        lambda o: "/api/v1/posts/",
        lambda o: {"enterprise": o.enterprise.id, "name": "新岗位", "risk_level": "yellow"},
        ORG_ADMINS,
        201,
        foreign=400,
    ),
    "GET /api/v1/posts/{pk}/": read(lambda o: f"/api/v1/posts/{o.post.id}/"),
    "PUT /api/v1/posts/{pk}/": write(
        lambda o: f"/api/v1/posts/{o.post.id}/",
        lambda o: {"enterprise": o.enterprise.id, "name": "改名", "risk_level": "red"},
        ORG_ADMINS,
    ),
    "PATCH /api/v1/posts/{pk}/": write(lambda o: f"/api/v1/posts/{o.post.id}/", lambda o: {"name": "改名"}, ORG_ADMINS),
    "DELETE /api/v1/posts/{pk}/": write(lambda o: f"/api/v1/posts/{o.spare_post.id}/", None, ORG_ADMINS, 204),
    "GET /api/v1/members/": listing(lambda o: "/api/v1/members/", lambda o: {o.membership.id}),
    "POST /api/v1/members/": write(
        lambda o: "/api/v1/members/",
        lambda o: {"enterprise": o.enterprise.id, "role": "worker", "username": o.stranger.username},
        ORG_ADMINS,
        201,
        foreign=400,
    ),
    "GET /api/v1/members/{pk}/": read(lambda o: f"/api/v1/members/{o.membership.id}/"),
    "PUT /api/v1/members/{pk}/": write(
        lambda o: f"/api/v1/members/{o.membership.id}/", lambda o: {"role": "safety_officer"}, ORG_ADMINS
    ),
    "PATCH /api/v1/members/{pk}/": write(
        lambda o: f"/api/v1/members/{o.membership.id}/", lambda o: {"role": "safety_officer"}, ORG_ADMINS
    ),
    "DELETE /api/v1/members/{pk}/": write(lambda o: f"/api/v1/members/{o.membership.id}/", None, ORG_ADMINS, 204),
    # --- cards
    "GET /api/v1/cards/": listing(lambda o: "/api/v1/cards/", lambda o: {o.card.id}),
    "POST /api/v1/cards/": write(
        lambda o: "/api/v1/cards/", lambda o: {"post": o.spare_post.id}, MANAGERS, 201, foreign=400
    ),
    "GET /api/v1/cards/{pk}/": read(lambda o: f"/api/v1/cards/{o.card.id}/"),
    "PATCH /api/v1/cards/{pk}/": write(
        lambda o: f"/api/v1/cards/{o.card.id}/", lambda o: {"ppe": ["安全帽"]}, MANAGERS
    ),
    "GET /api/v1/cards/{pk}/versions/": read(lambda o: f"/api/v1/cards/{o.card.id}/versions/"),
    "POST /api/v1/cards/{pk}/publish/": write(lambda o: f"/api/v1/cards/{o.card.id}/publish/", None, MANAGERS, 201),
    "POST /api/v1/cards/{pk}/acknowledge/": write(lambda o: f"/api/v1/cards/{o.card.id}/acknowledge/", None, MEMBERS),
    "GET /api/v1/posts/{pk}/card/": read(lambda o: f"/api/v1/posts/{o.post.id}/card/"),
    # --- checklists and the archive
    "GET /api/v1/templates/": listing(lambda o: "/api/v1/templates/", lambda o: {o.template.id}),
    "POST /api/v1/templates/": write(
        lambda o: "/api/v1/templates/",
        lambda o: {"enterprise": o.enterprise.id, "name": "新表", "tier": "daily", "items": ITEMS(o)},
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/templates/{pk}/": read(lambda o: f"/api/v1/templates/{o.template.id}/"),
    "PUT /api/v1/templates/{pk}/": write(
        lambda o: f"/api/v1/templates/{o.template.id}/",
        lambda o: {"enterprise": o.enterprise.id, "name": "改名", "tier": "daily", "items": ITEMS(o)},
        MANAGERS,
    ),
    "PATCH /api/v1/templates/{pk}/": write(
        lambda o: f"/api/v1/templates/{o.template.id}/", lambda o: {"name": "改名"}, MANAGERS
    ),
    "GET /api/v1/posts/{pk}/due/": read(lambda o: f"/api/v1/posts/{o.post.id}/due/"),
    "POST /api/v1/photos/": write(
        lambda o: "/api/v1/photos/",
        lambda o: {"client_uuid": str(uuid.uuid4()), "image": image(o)},
        ROLES[:-1],
        201,
        fmt="multipart",
    ),
    # A photo is private to its uploader until a record cites it; o.photo is cited by o.inspection.
    "GET /api/v1/photos/{pk}/": read(lambda o: f"/api/v1/photos/{o.photo.id}/"),
    "GET /api/v1/photos/{pk}/display.jpg": read(lambda o: f"/api/v1/photos/{o.photo.id}/display.jpg"),
    "GET /api/v1/photos/{pk}/thumb.jpg": read(lambda o: f"/api/v1/photos/{o.photo.id}/thumb.jpg"),
    "GET /api/v1/photos/{pk}/original": read(lambda o: f"/api/v1/photos/{o.photo.id}/original"),
    "GET /api/v1/inspections/": listing(lambda o: "/api/v1/inspections/", lambda o: {o.inspection.id}),
    # Holders of the post and safety managers submit; the regulator reads only; another tenant's
    # post is a 404.
    "POST /api/v1/inspections/": write(
        lambda o: "/api/v1/inspections/",
        lambda o: submission(o.daily, o.post),
        ("worker", *MANAGERS),
        201,
    ),
    "GET /api/v1/inspections/{pk}/": read(lambda o: f"/api/v1/inspections/{o.inspection.id}/"),
    # A safety manager's look at a flagged record (o.inspection cites no scan: flagged no_scan_event);
    # a regulator reads the record but never marks it.
    "POST /api/v1/inspections/{pk}/reviews/": write(
        lambda o: f"/api/v1/inspections/{o.inspection.id}/reviews/", lambda o: {"note": "已电话核实"}, MANAGERS, 201
    ),
    # --- hazards
    "GET /api/v1/hazards/": listing(lambda o: "/api/v1/hazards/", lambda o: {o.open_hazard.id}),
    # Any member reports (随手拍); a regulator in scope records a finding.
    "POST /api/v1/hazards/": write(
        lambda o: "/api/v1/hazards/",
        lambda o: {"enterprise": o.enterprise.id, "grade": "general", "description": "通道堵塞"},
        READERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/hazards/{pk}/": read(lambda o: f"/api/v1/hazards/{o.open_hazard.id}/"),
    # The rectification photo of o.pending: whoever reads the hazard sees it.
    "GET /api/v1/hazard-photos/{pk}/display.jpg": read(
        lambda o: f"/api/v1/hazard-photos/{o.rectification_photo.id}/display.jpg"
    ),
    "GET /api/v1/hazard-photos/{pk}/thumb.jpg": read(
        lambda o: f"/api/v1/hazard-photos/{o.rectification_photo.id}/thumb.jpg"
    ),
    "GET /api/v1/hazard-photos/{pk}/original": read(
        lambda o: f"/api/v1/hazard-photos/{o.rectification_photo.id}/original"
    ),
    "POST /api/v1/hazards/{pk}/assign/": write(
        lambda o: f"/api/v1/hazards/{o.open_hazard.id}/assign/",
        lambda o: {"responsible": o.worker.id, "deadline": later()},
        MANAGERS,
    ),
    "POST /api/v1/hazards/{pk}/submit/": write(
        lambda o: f"/api/v1/hazards/{o.rectifying.id}/submit/",
        lambda o: {"note": "已整改", "photos": [o.evidence.id]},
        ("worker",),
    ),
    "POST /api/v1/hazards/{pk}/accept/": write(
        lambda o: f"/api/v1/hazards/{o.pending.id}/accept/", lambda o: {"note": "合格"}, ACCEPTORS
    ),
    "POST /api/v1/hazards/{pk}/reject/": write(
        lambda o: f"/api/v1/hazards/{o.pending.id}/reject/", lambda o: {"note": "不合格"}, ACCEPTORS
    ),
    # --- major hazards (issue 16): the catalogue is open to every caller; the plan is written by the
    # safety managers and approved by the principal; supervision and verification are the regulator's.
    "GET /api/v1/judgment-standards/": read(lambda o: "/api/v1/judgment-standards/", ok=ROLES[:-1]),
    "GET /api/v1/judgment-clauses/": read(lambda o: f"/api/v1/judgment-clauses/?enterprise={o.enterprise.id}"),
    "POST /api/v1/hazards/{pk}/classify/": write(
        lambda o: f"/api/v1/hazards/{o.open_hazard.id}/classify/",
        lambda o: {"grade": "major", "basis_clause": o.major.basis_clause_id},
        MANAGERS,
    ),
    "POST /api/v1/hazards/{pk}/plan/": write(
        lambda o: f"/api/v1/hazards/{o.major.id}/plan/", lambda o: {"measures": "更换报警器"}, MANAGERS, 201
    ),
    "POST /api/v1/hazards/{pk}/plan/approve/": write(
        lambda o: f"/api/v1/hazards/{o.planned.id}/plan/approve/", lambda o: {}, ("principal",)
    ),
    "POST /api/v1/hazards/{pk}/supervise/": write(
        lambda o: f"/api/v1/hazards/{o.major.id}/supervise/",
        lambda o: {"deadline": f"{later(10)[:10]}"},
        ("regulator",),
    ),
    "POST /api/v1/hazards/{pk}/progress/": write(
        lambda o: f"/api/v1/hazards/{o.supervised.id}/progress/", lambda o: {"note": "进展"}, ("worker", *MANAGERS)
    ),
    "POST /api/v1/hazards/{pk}/verify/": write(
        lambda o: f"/api/v1/hazards/{o.to_verify.id}/verify/", lambda o: {"passed": True}, ("regulator",)
    ),
    "GET /api/v1/hazards/supervised/": listing(lambda o: "/api/v1/hazards/supervised/", lambda o: {o.supervised.id}),
    "GET /api/v1/hazards/major-stats/": read(
        lambda o: f"/api/v1/hazards/major-stats/?date_from=2020-01-01&date_to={later(1)[:10]}",
        ok=REPORT_READERS,
        expect={"far_regulator": 200, "outsider": 403},
    ),
    "POST /api/v1/hazards/ledger/": write(
        lambda o: "/api/v1/hazards/ledger/",
        lambda o: {"enterprise": o.enterprise.id, "file": ledger_workbook(ledger_rows(o.world))},
        MANAGERS,
        201,
        fmt="multipart",
        foreign=400,
    ),
    "GET /api/v1/hazards/ledger.xlsx": read(
        lambda o: f"/api/v1/hazards/ledger.xlsx?enterprise={o.enterprise.id}&date_from=2020-01-01&date_to=2030-01-01",
        ok=REPORT_READERS,
    ),
    "GET /api/v1/hazards/ledger.pdf": read(
        lambda o: f"/api/v1/hazards/ledger.pdf?enterprise={o.enterprise.id}&date_from=2020-01-01&date_to=2030-01-01",
        ok=REPORT_READERS,
    ),
    # 有奖举报: the triage queue is the safety managers'; anyone else is told nothing (404).
    "GET /api/v1/hazard-reports/": listing(
        lambda o: "/api/v1/hazard-reports/", lambda o: {o.public_report.id}, sees=MANAGERS
    ),
    "GET /api/v1/hazard-reports/{pk}/": read(
        lambda o: f"/api/v1/hazard-reports/{o.public_report.id}/", ok=MANAGERS, denied=404
    ),
    # Its photo, watermarked: for the same safety managers (the stored file is served to nobody).
    "GET /api/v1/hazard-reports/{pk}/display.jpg": read(
        lambda o: f"/api/v1/hazard-reports/{o.public_report.id}/display.jpg", ok=MANAGERS, denied=404
    ),
    "GET /api/v1/hazard-reports/{pk}/thumb.jpg": read(
        lambda o: f"/api/v1/hazard-reports/{o.public_report.id}/thumb.jpg", ok=MANAGERS, denied=404
    ),
    "POST /api/v1/hazard-reports/{pk}/convert/": write(
        lambda o: f"/api/v1/hazard-reports/{o.public_report.id}/convert/",
        lambda o: {"grade": "general"},
        MANAGERS,
        201,
        denied=404,
    ),
    "POST /api/v1/hazard-reports/{pk}/dismiss/": write(
        lambda o: f"/api/v1/hazard-reports/{o.public_report.id}/dismiss/",
        lambda o: {"reason": "不属实"},
        MANAGERS,
        denied=404,
    ),
    # The inbox is the caller's own: everyone lists theirs; someone else's message is a 404.
    "GET /api/v1/notifications/": listing(lambda o: "/api/v1/notifications/", None),
    "POST /api/v1/notifications/{pk}/read/": write(
        lambda o: f"/api/v1/notifications/{o.notification.id}/read/", None, ("worker",), denied=404
    ),
    "POST /api/v1/notifications/read-all/": write(lambda o: "/api/v1/notifications/read-all/", None, ROLES[:-1]),
    # --- QR
    # The codes prove presence at a post: safety managers and regulators only (issue 11).
    "GET /api/v1/posts/{pk}/qr.png": read(lambda o: f"/api/v1/posts/{o.post.id}/qr.png", ok=QR_READERS),
    "GET /api/v1/posts/{pk}/qr.svg": read(lambda o: f"/api/v1/posts/{o.post.id}/qr.svg", ok=QR_READERS),
    "POST /api/v1/posts/{pk}/rotate-qr/": write(lambda o: f"/api/v1/posts/{o.post.id}/rotate-qr/", None, MANAGERS, 201),
    # A post's electronic fence (issue 12): a safety rule, set and removed by safety managers.
    "PUT /api/v1/posts/{pk}/fence/": write(
        lambda o: f"/api/v1/posts/{o.post.id}/fence/",
        lambda o: {"latitude": 30.391457, "longitude": 114.894313, "radius_m": 200},
        MANAGERS,
    ),
    "DELETE /api/v1/posts/{pk}/fence/": write(lambda o: f"/api/v1/posts/{o.post.id}/fence/", None, MANAGERS, 204),
    # A printed code is public: anyone (also anonymous) resolves it to the post and its card.
    "GET /api/v1/scan/{token}/": read(lambda o: f"/api/v1/scan/{o.token.token}/", ok=ROLES, anonymous=200),
    # Recording a scan needs a login, and anyone logged in standing at the code may record theirs (a
    # contractor, a visiting regulator): it is evidence of presence, it makes nobody's record on site.
    "POST /api/v1/scan/{token}/": write(lambda o: f"/api/v1/scan/{o.token.token}/", None, ROLES[:-1], 201),
    # Printing the enterprise's cards: safety managers and regulators read (few posts: the PDF comes at
    # once); only a manager's POST renders a sheet and makes missing codes (a regulator never writes).
    "GET /api/v1/enterprises/{pk}/cards.pdf": read(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/cards.pdf", ok=QR_READERS
    ),
    "POST /api/v1/enterprises/{pk}/cards.pdf": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/cards.pdf", None, MANAGERS
    ),
    "GET /api/v1/card-sheets/{pk}/": read(lambda o: f"/api/v1/card-sheets/{o.sheet.id}/", ok=QR_READERS, status=202),
    # --- certificates (持证上岗): a national catalogue of kinds; a worker reads only their own certificate
    "GET /api/v1/certificate-kinds/": listing(lambda o: "/api/v1/certificate-kinds/", None),
    "GET /api/v1/certificate-kinds/{pk}/": read(
        lambda o: f"/api/v1/certificate-kinds/{o.certificate.kind_id}/", ok=ROLES[:-1]
    ),
    # The worker lists only their own certificate (o.certificate, read in the detail row), never the officer's.
    "GET /api/v1/certificates/": listing(
        lambda o: "/api/v1/certificates/", lambda o: {o.officer_certificate.id}, sees=REPORT_READERS
    ),
    "POST /api/v1/certificates/": write(
        lambda o: "/api/v1/certificates/",
        lambda o: {
            "enterprise": o.enterprise.id,
            "person": o.worker.id,
            "kind": o.certificate.kind_id,
            "number": "T420700198001019999",
            "issued_on": "2023-01-01",
            "expires_on": "2029-01-01",
        },
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/certificates/{pk}/": read(lambda o: f"/api/v1/certificates/{o.certificate.id}/"),
    "PATCH /api/v1/certificates/{pk}/": write(
        lambda o: f"/api/v1/certificates/{o.certificate.id}/", lambda o: {"expires_on": "2030-01-01"}, MANAGERS
    ),
    "DELETE /api/v1/certificates/{pk}/": write(
        lambda o: f"/api/v1/certificates/{o.certificate.id}/", None, MANAGERS, 204
    ),
    # --- knowledge (应知应会): questions with their answers are the safety managers' alone (a worker
    # meets them inside a spot-check; a regulator reads the awareness rate, not the answer key).
    "GET /api/v1/questions/": listing(lambda o: "/api/v1/questions/", lambda o: {o.question.id}, sees=MANAGERS),
    "POST /api/v1/questions/": write(
        lambda o: "/api/v1/questions/",
        lambda o: {"card": o.card.id, "kind": "true_false", "text": "动火作业前必须办理作业票。", "answer": [0]},
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/questions/{pk}/": read(lambda o: f"/api/v1/questions/{o.question.id}/", ok=MANAGERS, denied=404),
    "PATCH /api/v1/questions/{pk}/": write(
        lambda o: f"/api/v1/questions/{o.question.id}/", lambda o: {"active": False}, MANAGERS, denied=404
    ),
    "DELETE /api/v1/questions/{pk}/": write(
        lambda o: f"/api/v1/questions/{o.spare_question.id}/", None, MANAGERS, 204, denied=404
    ),
    # o.spot_check checks o.worker: they see, answer and finish their own; managers start and finish.
    "GET /api/v1/spot-checks/": listing(lambda o: "/api/v1/spot-checks/", lambda o: {o.spot_check.id}),
    "POST /api/v1/spot-checks/": write(
        lambda o: "/api/v1/spot-checks/",
        lambda o: {"person": o.worker.id, "enterprise": o.enterprise.id, "question_count": 1},
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/spot-checks/{pk}/": read(lambda o: f"/api/v1/spot-checks/{o.spot_check.id}/"),
    "POST /api/v1/spot-checks/{pk}/answers/": write(
        lambda o: f"/api/v1/spot-checks/{o.spot_check.id}/answers/",
        lambda o: {"answers": [{"question": o.question.id, "answer": [0]}]},
        ("worker",),
    ),
    "POST /api/v1/spot-checks/{pk}/finish/": write(
        lambda o: f"/api/v1/spot-checks/{o.spot_check.id}/finish/", None, ("worker", *MANAGERS)
    ),
    # --- emergency drills: everyone reading the enterprise sees them, safety managers plan and record
    "GET /api/v1/drills/": listing(lambda o: "/api/v1/drills/", lambda o: {o.drill.id}),
    "POST /api/v1/drills/": write(
        lambda o: "/api/v1/drills/",
        lambda o: {"enterprise": o.enterprise.id, "post": o.post.id, "title": "泄漏演练", "planned_on": "2030-09-20"},
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/drills/{pk}/": read(lambda o: f"/api/v1/drills/{o.drill.id}/"),
    "PATCH /api/v1/drills/{pk}/": write(
        lambda o: f"/api/v1/drills/{o.drill.id}/", lambda o: {"title": "改名演练"}, MANAGERS
    ),
    "DELETE /api/v1/drills/{pk}/": write(lambda o: f"/api/v1/drills/{o.drill.id}/", None, MANAGERS, 204),
    "POST /api/v1/drills/{pk}/done/": write(
        lambda o: f"/api/v1/drills/{o.drill.id}/done/",
        lambda o: {"done_on": o.yesterday.isoformat(), "participants": 12, "summary": "五步法熟练"},
        MANAGERS,
    ),
    # --- the risk register (双重预防): everyone reading the enterprise reads it; safety managers write.
    "GET /api/v1/risk-points/": listing(lambda o: "/api/v1/risk-points/", lambda o: {o.risk_point.id}),
    "POST /api/v1/risk-points/": write(
        lambda o: "/api/v1/risk-points/",
        lambda o: {"enterprise": o.enterprise.id, "kind": "area", "name": "装车台"},
        MANAGERS,
        201,
        foreign=400,
    ),
    "GET /api/v1/risk-points/{pk}/": read(lambda o: f"/api/v1/risk-points/{o.risk_point.id}/"),
    "PATCH /api/v1/risk-points/{pk}/": write(
        lambda o: f"/api/v1/risk-points/{o.risk_point.id}/", lambda o: {"plan_x": 0.5, "plan_y": 0.5}, MANAGERS
    ),
    "GET /api/v1/risk-points/{pk}/assessments/": read(lambda o: f"/api/v1/risk-points/{o.risk_point.id}/assessments/"),
    "POST /api/v1/risk-points/{pk}/assessments/": write(
        lambda o: f"/api/v1/risk-points/{o.risk_point.id}/assessments/",
        lambda o: {"method": "LEC", "likelihood": 6, "exposure": 6, "consequence": 15},
        MANAGERS,
        201,
    ),
    "GET /api/v1/risk-points/{pk}/notice.pdf": read(lambda o: f"/api/v1/risk-points/{o.risk_point.id}/notice.pdf"),
    "POST /api/v1/hazard-sources/": write(
        lambda o: "/api/v1/hazard-sources/",
        lambda o: {"risk_point": o.risk_point.id, "name": "静电积聚", "accident_types": ["fire"]},
        MANAGERS,
        201,
        foreign=400,
    ),
    "PATCH /api/v1/hazard-sources/{pk}/": write(
        lambda o: f"/api/v1/hazard-sources/{o.hazard_source.id}/", lambda o: {"name": "改名"}, MANAGERS
    ),
    "GET /api/v1/risk-controls/": listing(lambda o: "/api/v1/risk-controls/", lambda o: {o.control.id}),
    "POST /api/v1/risk-controls/": write(
        lambda o: "/api/v1/risk-controls/",
        lambda o: {"source": o.hazard_source.id, "measure": "静电接地", "type": "engineering", "level": "company"},
        MANAGERS,
        201,
        foreign=400,
    ),
    "PATCH /api/v1/risk-controls/{pk}/": write(
        lambda o: f"/api/v1/risk-controls/{o.control.id}/", lambda o: {"tier": "weekly"}, MANAGERS
    ),
    "GET /api/v1/enterprises/{pk}/risk-bands/": read(lambda o: f"/api/v1/enterprises/{o.enterprise.id}/risk-bands/"),
    "PUT /api/v1/enterprises/{pk}/risk-bands/": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/risk-bands/", lambda o: {"lec_red": 300}, MANAGERS
    ),
    "PUT /api/v1/enterprises/{pk}/site-plan/": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/site-plan/",
        lambda o: {"image": SimpleUploadedFile("plan.png", png_bytes(), "image/png")},
        MANAGERS,
        fmt="multipart",
    ),
    "GET /api/v1/enterprises/{pk}/risk-map.svg": read(lambda o: f"/api/v1/enterprises/{o.enterprise.id}/risk-map.svg"),
    "GET /api/v1/enterprises/{pk}/risk-map.pdf": read(lambda o: f"/api/v1/enterprises/{o.enterprise.id}/risk-map.pdf"),
    "POST /api/v1/posts/{pk}/card/from-register/": write(
        lambda o: f"/api/v1/posts/{o.post.id}/card/from-register/", None, MANAGERS, 201
    ),
    "POST /api/v1/posts/{pk}/checklists/from-controls/": write(
        lambda o: f"/api/v1/posts/{o.post.id}/checklists/from-controls/", None, MANAGERS
    ),
    # --- onboarding from Excel: the blank workbook for anyone signed in; an enterprise's own data for
    # its safety managers; importing (here a dry run of its own export) for the org admins.
    "GET /api/v1/onboarding/template.xlsx": read(lambda o: "/api/v1/onboarding/template.xlsx", ok=ROLES[:-1]),
    "GET /api/v1/enterprises/{pk}/onboarding.xlsx": read(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/onboarding.xlsx", ok=MANAGERS
    ),
    "POST /api/v1/enterprises/{pk}/onboarding/": write(
        lambda o: f"/api/v1/enterprises/{o.enterprise.id}/onboarding/",
        lambda o: {"file": workbook(o), "dry_run": "true"},
        ORG_ADMINS,
        fmt="multipart",
    ),
    # --- reports: safety managers and regulators in scope read; a worker of the enterprise 403.
    "GET /api/v1/reviews/daily/": listing(
        lambda o: "/api/v1/reviews/daily/", lambda o: {o.review.id}, sees=REPORT_READERS
    ),
    "POST /api/v1/reviews/daily/": write(
        lambda o: "/api/v1/reviews/daily/",
        lambda o: {"enterprise": o.enterprise.id, "date": (o.yesterday - timedelta(days=1)).isoformat()},
        ("officer", "director", "principal"),
        201,
        foreign=400,
    ),
    "GET /api/v1/reviews/daily/{pk}/": read(lambda o: f"/api/v1/reviews/daily/{o.review.id}/", ok=REPORT_READERS),
    "GET /api/v1/reviews/daily/log/": read(
        lambda o: f"/api/v1/reviews/daily/log/?enterprise={o.enterprise.id}&date={o.yesterday.isoformat()}",
        ok=REPORT_READERS,
    ),
    "GET /api/v1/reports/weekly/": listing(
        lambda o: "/api/v1/reports/weekly/", lambda o: {o.weekly.id}, sees=REPORT_READERS
    ),
    "POST /api/v1/reports/weekly/": write(
        lambda o: "/api/v1/reports/weekly/",
        lambda o: {"enterprise": o.enterprise.id, "week": o.week_before},
        ("officer", "director"),
        201,
        foreign=400,
    ),
    "GET /api/v1/reports/weekly/{pk}/": read(lambda o: f"/api/v1/reports/weekly/{o.weekly.id}/", ok=REPORT_READERS),
    "PATCH /api/v1/reports/weekly/{pk}/": write(
        lambda o: f"/api/v1/reports/weekly/{o.weekly.id}/",
        lambda o: {"summary": "本周完成排查"},
        ("officer", "director", "principal"),
    ),
    # The director signs first: the principal's signature before it is a 409, not a refusal.
    "POST /api/v1/reports/weekly/{pk}/sign/": write(
        lambda o: f"/api/v1/reports/weekly/{o.weekly.id}/sign/", None, ("director",), expect={"principal": 409}
    ),
    "GET /api/v1/reports/weekly/{pk}.xlsx": read(
        lambda o: f"/api/v1/reports/weekly/{o.weekly.id}.xlsx", ok=REPORT_READERS
    ),
    "GET /api/v1/reports/weekly/{pk}.pdf": read(
        lambda o: f"/api/v1/reports/weekly/{o.weekly.id}.pdf", ok=REPORT_READERS
    ),
    "GET /api/v1/dispatches/": listing(lambda o: "/api/v1/dispatches/", lambda o: {o.dispatch.id}, sees=REPORT_READERS),
    "POST /api/v1/dispatches/": write(
        lambda o: "/api/v1/dispatches/",
        lambda o: {"enterprise": o.enterprise.id, "month": o.month_before},
        ("principal", "admin"),
        201,
        foreign=400,
    ),
    "GET /api/v1/dispatches/{pk}/": read(lambda o: f"/api/v1/dispatches/{o.dispatch.id}/", ok=REPORT_READERS),
    "PATCH /api/v1/dispatches/{pk}/": write(
        lambda o: f"/api/v1/dispatches/{o.dispatch.id}/", lambda o: {"summary": "本月完成"}, ("principal", "admin")
    ),
    "POST /api/v1/dispatches/{pk}/sign/": write(
        lambda o: f"/api/v1/dispatches/{o.dispatch.id}/sign/", None, ("principal",)
    ),
    "GET /api/v1/dispatches/{pk}.xlsx": read(lambda o: f"/api/v1/dispatches/{o.dispatch.id}.xlsx", ok=REPORT_READERS),
    "GET /api/v1/dispatches/{pk}.pdf": read(lambda o: f"/api/v1/dispatches/{o.dispatch.id}.pdf", ok=REPORT_READERS),
    # Statistics: regulators of their scope, safety managers of their enterprises. A worker (also of
    # another enterprise) reads no statistics at all: 403 whatever the enterprise asked for.
    "GET /api/v1/stats/": read(
        lambda o: f"/api/v1/stats/?enterprise={o.enterprise.id}", ok=REPORT_READERS, expect={"outsider": 403}
    ),
    "GET /api/v1/stats.xlsx": read(
        lambda o: f"/api/v1/stats.xlsx?enterprise={o.enterprise.id}", ok=REPORT_READERS, expect={"outsider": 403}
    ),
}


def api_routes() -> set[str]:
    return {
        f"{method} {path}"
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if path.startswith("/api/v1/")
    }


def test_every_api_route_has_a_row():
    routes = api_routes()
    missing = sorted(routes - set(ROWS))
    stale = sorted(set(ROWS) - routes)
    assert not missing, "routes without a row in tests/reliability/test_tenancy_matrix.py ROWS:\n" + "\n".join(missing)
    assert not stale, "rows for routes that no longer exist:\n" + "\n".join(stale)


@pytest.fixture
def objects(world, daily):
    """One of everything in world.enterprise, and a person in every role."""
    e = world.enterprise
    people = {
        "worker": world.worker,
        "officer": world.officer,
        "director": factories.MembershipFactory(enterprise=e, role=Role.SAFETY_DIRECTOR).person,
        "principal": factories.MembershipFactory(enterprise=e, role=Role.PRINCIPAL).person,
        "admin": factories.MembershipFactory(enterprise=e, role=Role.ADMIN).person,
        "regulator": world.regulator,
        "far_regulator": world.far_regulator,
        "outsider": world.outsider,
        "anonymous": None,
    }
    o = SimpleNamespace(world=world, enterprise=e, post=world.post, worker=world.worker, daily=daily, people=people)
    o.template = daily.template
    o.department = factories.DepartmentFactory(enterprise=e, name="生产部")
    o.spare_post = factories.PostFactory(enterprise=e, name="空岗位")
    o.membership = Membership.objects.get(person=world.worker, enterprise=e)
    o.stranger = factories.PersonFactory(username="stranger")
    o.card = factories.CardFactory(post=world.post)
    card_publish(card=o.card, by=None)
    Card.objects.filter(pk=o.card.pk).update(ppe=["安全帽", "防毒面具"])  # a draft to publish
    o.token = qr_token_issue(post=world.post)
    qr_tokens_issue_all(enterprise=e)  # every post has its code: a GET of cards.pdf issues none
    worker = Person.objects.get(pk=world.worker.pk)
    o.photo, _ = checklist_services.photo_upload(by=worker, client_uuid=uuid.uuid4(), upload=image(o))
    body = submission(daily, world.post)
    body["results"][0].update(value="not_ok", photos=[o.photo.id])  # fails: opens a major hazard
    data = {**body, "client_uuid": uuid.UUID(body["client_uuid"]), "started_at": timezone.now()}
    o.inspection, _ = checklist_services.inspection_submit(by=worker, data=data)

    def report():
        return hazard_services.hazard_report(
            by=Person.objects.get(pk=world.worker.pk),
            data={"enterprise": e, "grade": "general", "description": "消防通道堵塞"},
        )

    def assign(hazard):
        return hazard_services.hazard_assign(
            hazard=hazard,
            by=Person.objects.get(pk=world.officer.pk),
            responsible=world.worker,
            deadline=timezone.now() + timedelta(days=3),
        )

    o.open_hazard = report()
    o.rectifying = assign(report())
    o.evidence, _ = checklist_services.photo_upload(
        by=worker, client_uuid=uuid.uuid4(), upload=SimpleUploadedFile("e.jpg", jpeg_bytes(color=(1, 2, 3)))
    )
    o.rectification_photo, _ = checklist_services.photo_upload(
        by=worker, client_uuid=uuid.uuid4(), upload=SimpleUploadedFile("f.jpg", jpeg_bytes(color=(4, 5, 6)))
    )
    o.pending = hazard_services.hazard_submit(
        hazard=assign(report()),
        by=worker,
        note="已整改",
        photos=[o.rectification_photo.id],
    )
    principal = Person.objects.get(pk=people["principal"].pk)
    regulator = Person.objects.get(pk=world.regulator.pk)

    def major():
        return hazard_services.hazard_report(
            by=Person.objects.get(pk=world.worker.pk),
            data={"enterprise": e, "grade": "major", "description": "液氯储罐区无泄漏报警", "basis_clause": clause},
        )

    def planned(hazard):
        officer = Person.objects.get(pk=world.officer.pk)
        plan = {"measures": "更换", "responsible": world.worker, "funds_amount": 1000, "funds_source": "安全费用"}
        plan |= {"deadline": date(2030, 1, 1), "interim_measures": "停用", "emergency_plan": "处置方案"}
        hazard_services.hazard_plan_write(hazard=hazard, by=officer, data=plan)
        return hazard

    clause = JudgmentClause.objects.get(standard__issuing_order="安监总管三〔2017〕121号", number="第二项")
    o.major = major()
    o.planned = planned(assign(major()))
    o.supervised = assign(major())
    hazard_services.hazard_supervise(hazard=o.supervised, by=regulator, deadline=date(2030, 1, 1))
    o.to_verify = planned(assign(major()))
    hazard_services.hazard_plan_approve(hazard=o.to_verify, by=principal)
    hazard_services.hazard_supervise(hazard=o.to_verify, by=regulator, deadline=date(2030, 1, 1))
    o.to_verify = hazard_services.hazard_submit(
        hazard=o.to_verify,
        by=worker,
        note="已整改",
        photos=[
            checklist_services.photo_upload(
                by=worker, client_uuid=uuid.uuid4(), upload=SimpleUploadedFile("g.jpg", jpeg_bytes(color=(7, 8, 9)))
            )[0].id
        ],
    )
    hazard_services.hazard_accept(hazard=o.to_verify, by=Person.objects.get(pk=world.officer.pk))
    o.public_report = hazard_services.public_report_submit(
        post=world.post, description="阀门滴漏", phone="13900001111", photo=image(o)
    )
    o.notification = Notification.objects.filter(recipient=world.worker).first()
    assert o.notification is not None

    officer = Person.objects.get(pk=world.officer.pk)
    o.sheet = CardSheet.objects.create(enterprise=e, digest="0" * 64, post_count=99, created_at=timezone.now())
    o.certificate = factories.CertificateFactory(enterprise=e, person=world.worker)
    o.officer_certificate = factories.CertificateFactory(enterprise=e, person=world.officer, kind=o.certificate.kind)
    o.question = factories.QuestionFactory(card=o.card)
    o.spot_check = card_services.spot_check_start(by=officer, person=world.worker, enterprise=e, count=1)
    o.spare_question = factories.QuestionFactory(card=o.card)  # never asked: it may be deleted
    o.risk_point = RiskPoint.objects.create(enterprise=e, kind="equipment", name="1# 反应釜")
    o.risk_point.posts.add(world.post)
    risk_services.assessment_create(
        by=officer, risk_point=o.risk_point, data={"method": "LS", "likelihood": 3, "severity": 3}
    )
    o.hazard_source = HazardSource.objects.create(risk_point=o.risk_point, name="物料泄漏", accident_types=["fire"])
    o.control = Control.objects.create(
        enterprise=e,
        source=o.hazard_source,
        measure="报警仪完好",
        type="engineering",
        level="team",
        owner_post=world.post,
    )
    o.drill = factories.DrillFactory(enterprise=e, post=world.post, planned_on=date(2030, 9, 1))
    today = timezone.now().astimezone(ZoneInfo(e.timezone)).date()
    o.yesterday = today - timedelta(days=1)
    o.review = report_services.daily_review_sign(by=officer, enterprise=e, day=o.yesterday)
    week = (today - timedelta(days=7)).isocalendar()
    o.weekly, _ = report_services.weekly_report_generate(by=None, enterprise=e, week=f"{week[0]}-W{week[1]:02d}")
    WeeklyReport.objects.filter(pk=o.weekly.pk).update(
        summary="已排查", risk_analysis="风险可控", next_week_plan="继续"
    )
    week = (today - timedelta(days=14)).isocalendar()
    o.week_before = f"{week[0]}-W{week[1]:02d}"
    last_month = today.replace(day=1) - timedelta(days=1)
    o.dispatch, _ = report_services.dispatch_generate(by=None, enterprise=e, month=f"{last_month:%Y-%m}")
    MonthlyDispatch.objects.filter(pk=o.dispatch.pk).update(summary="本月完成日管控")
    o.month_before = f"{last_month.replace(day=1) - timedelta(days=1):%Y-%m}"
    return o


def fingerprint() -> str:
    """A digest of every row of the tenant apps: a GET or a refused write must leave it unchanged."""
    digest = hashlib.sha256()
    for label in TENANT_APPS:
        for model in apps.get_app_config(label).get_models():
            digest.update(repr(list(model.objects.order_by("pk").values_list())).encode())
    return digest.hexdigest()


def ids_in(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {r["id"] for r in rows}


@pytest.mark.parametrize("route", sorted(ROWS))
def test_tenancy_matrix(api, objects, route, request):
    if ".pdf" in route:  # the PDFs draw Chinese: the one rule of tests/conftest.py's cjk_font
        request.getfixturevalue("cjk_font")
    row = ROWS[route]
    method = route.split()[0].lower()
    problems = []
    for role in ROLES:
        want = row.expected(role)
        with transaction.atomic():
            # A refused write stores nothing, and a GET never writes (DESIGN.md, trust rules), whoever asks.
            before = fingerprint() if method == "get" or not 200 <= want < 300 else None
            client = api.as_(objects.people[role])
            kwargs = {"format": row.fmt} if row.body else {}
            data = row.body(objects) if row.body else None
            response = getattr(client, method)(row.url(objects), data, **kwargs)
            got = response.status_code
            if got != want:
                problems.append(f"{role}: expected {want}, got {got} {response.content[:160]!r}")
            elif before is not None and fingerprint() != before:
                problems.append(f"{role}: {method.upper()} answered {got} but something was stored or changed")
            elif row.listed and got == 200:
                shown = ids_in(response) & row.listed(objects)
                if role in FOREIGN and shown:
                    problems.append(f"{role}: sees another tenant's rows {sorted(shown)}")
                elif role not in row.sees and shown:
                    problems.append(f"{role}: sees rows meant for others {sorted(shown)}")
                if role in row.sees and shown != row.listed(objects):
                    problems.append(f"{role}: misses {sorted(row.listed(objects) - shown)}")
            transaction.set_rollback(True)
    assert not problems, f"{route}:\n" + "\n".join(problems)
