"""Issue 11, items 4, 5 and 7. Exports are inert: user text in a workbook is a string (never a formula)
whose leading = + - @ tab CR is neutralised with a quote, in a PDF it is escaped markup. An uploaded
workbook is bounded (sizes, ratio, members) and checked for DTDs before openpyxl parses it.

Every attack goes through the real API; the texts get into the database the way the API lets them
(a dispatch's summary and decisions, an onboarding import) or, for names kept elsewhere, directly."""

import os
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date, timedelta
from io import BytesIO
from xml.etree import ElementTree

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as PageClient
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from cards.models import Card, CardVersion
from checklists import onboarding
from checklists.models import ChecklistTemplate
from core.exports import XLSX_MEDIA_TYPE
from orgs.models import CertificateKind, Department, Membership, Person, Post, Role
from tests import factories
from tests.checklists.test_onboarding import counts

DISPATCHES = "/api/v1/dispatches/"
TEMPLATE = "/api/v1/onboarding/template.xlsx"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/?q=1","点我")'
PLUS = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"


# ---------------------------------------------------------------------------------------------
# Reading a workbook back


def formulas(xlsx: bytes) -> list[tuple[str, str]]:
    """Every <f> element of every worksheet: (member, formula text)."""
    found = []
    with zipfile.ZipFile(BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                root = ElementTree.fromstring(archive.read(name))
                found += [(name, f.text or "") for f in root.iter(f"{MAIN}f")]
    return found


def strings(xlsx: bytes) -> list[str]:
    """Every cell value of the workbook, asserting that each is a string or a number."""
    values = []
    for sheet in load_workbook(BytesIO(xlsx)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n"), (sheet.title, cell.coordinate, cell.data_type, cell.value)
                if isinstance(cell.value, str):
                    values.append(cell.value)
    return values


def assert_inert(xlsx: bytes, texts: list[str]) -> list[str]:
    """No formula at all, every typed text present as a string, none starting with a formula trigger."""
    assert formulas(xlsx) == []
    values = strings(xlsx)
    for text in texts:
        assert any(text in value for value in values), text
    live = [value for value in values if value.startswith(TRIGGERS)]
    assert live == [], live
    return values


# ---------------------------------------------------------------------------------------------
# A signed dispatch with typed texts in every field


def last_month() -> str:
    return (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture
def principal(world) -> Person:
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.PRINCIPAL).person


def rename(person: Person, name: str) -> None:
    Person.objects.filter(pk=person.pk).update(name=name)


def signed_dispatch(api, world, principal, *, enterprise, signer, owner, summary, task) -> int:
    """Names as stored (however they got there); summary and decisions typed through the API."""
    world.enterprise.name = enterprise
    world.enterprise.save(update_fields=["name"])
    rename(principal, signer)
    rename(world.officer, owner)
    created = api.as_(principal).post(DISPATCHES, {"enterprise": world.enterprise.id, "month": last_month()})
    assert created.status_code == 201, created.content
    pk = created.data["id"]
    body = {
        "summary": summary,
        "decisions": [
            {"task": task, "owner": world.officer.id, "due_date": (date.today() + timedelta(days=40)).isoformat()}
        ],
    }
    assert api.as_(principal).patch(f"{DISPATCHES}{pk}/", body, format="json").status_code == 200
    assert api.as_(principal).post(f"{DISPATCHES}{pk}/sign/").status_code == 200
    return pk


# ---------------------------------------------------------------------------------------------
# 4. Formula injection in the workbooks


def test_the_dispatch_workbook_writes_every_typed_text_as_a_neutralised_string(api, world, principal):
    pk = signed_dispatch(
        api, world, principal, enterprise=LINK, signer=AT, owner=MINUS, summary=f"{DDE}\n第二行", task=PLUS
    )
    response = api.as_(world.regulator).get(f"{DISPATCHES}{pk}.xlsx")
    assert response.status_code == 200, response.content
    values = assert_inert(response.content, [LINK, AT, MINUS, DDE, PLUS])
    # Neutralised as OWASP says: one quote before the text, the text itself unchanged.
    assert f"'{LINK}" in values and f"'{MINUS}" in values and f"'{PLUS}" in values
    assert f"'{DDE}\n第二行" in values
    assert any(value.startswith(f"'{AT} ") for value in values)  # the signature: name and time
    assert any(value.startswith(f"'{LINK} ") and value.endswith("月调度纪要") for value in values)  # the title


def test_the_mobile_dispatch_workbook_is_the_same_inert_workbook(api, world, principal):
    pk = signed_dispatch(api, world, principal, enterprise=LINK, signer=AT, owner=MINUS, summary=DDE, task=PLUS)
    pages = PageClient()
    pages.force_login(principal)
    response = pages.get(f"/m/dispatches/{pk}.xlsx")
    assert response.status_code == 200, response.content[:300]
    assert_inert(response.content, [LINK, AT, MINUS, DDE, PLUS])


def test_the_statistics_workbooks_write_enterprise_names_as_neutralised_strings(api, world):
    world.enterprise.name = LINK
    world.enterprise.save(update_fields=["name"])
    world.other_enterprise.name = DDE
    world.other_enterprise.save(update_fields=["name"])
    response = api.as_(world.regulator).get("/api/v1/stats.xlsx", {"month": last_month()})
    assert response.status_code == 200, response.content
    values = assert_inert(response.content, [LINK, DDE])
    assert f"'{LINK}" in values and f"'{DDE}" in values
    pages = PageClient()
    pages.force_login(world.regulator)
    response = pages.get("/m/region/stats.xlsx", {"month": last_month()})
    assert response.status_code == 200, response.content[:300]
    assert_inert(response.content, [LINK, DDE])


def test_the_onboarding_template_holds_no_formula(api, world):
    CertificateKind.objects.create(name=DDE)  # the catalogue is listed in the notes
    response = api.as_(world.worker).get(TEMPLATE)
    assert response.status_code == 200
    assert_inert(response.content, [DDE])


# The onboarding round trip: an export of typed texts that start with a trigger imports back unchanged.


@pytest.fixture
def admin(world) -> Person:
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person


def upload(api, person, enterprise, data: bytes, *, dry_run=False, name="导入.xlsx"):
    file = SimpleUploadedFile(name, data, content_type=XLSX_MEDIA_TYPE)
    url = f"/api/v1/enterprises/{enterprise.id}/onboarding/"
    return api.as_(person).post(url, {"file": file, "dry_run": dry_run}, format="multipart")


def export(api, person, enterprise) -> bytes:
    response = api.as_(person).get(f"/api/v1/enterprises/{enterprise.id}/onboarding.xlsx")
    assert response.status_code == 200, response.content
    return response.content


def typed(sheet, coordinate: str, value) -> None:
    """As Excel stores what a user typed after a quote ('=...): a string, not a formula."""
    sheet[coordinate] = value
    sheet[coordinate].data_type = "s"


def to_bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# No "/" in department and post names: it separates them in the people's and templates' post column.
ONBOARDING_TEXTS = {
    "department": '=HYPERLINK("evil.example","点我")',
    "post": "+SUM(1,2)",
    "location": MINUS,
    "username": "@evil",
    "person": AT[:50],
    "phone": "+8613800000000",
    "duties": f"{DDE}\n-第二条",
    "template": "@SUM(1,1)",
    "label": "-2+3",
    "unit": "=A1",
}


def state(enterprise) -> dict:
    """What the import wrote, as texts, to compare before and after a round trip."""
    post = Post.objects.get(enterprise=enterprise, name=ONBOARDING_TEXTS["post"])
    person = Person.objects.get(username="@evil")
    template = ChecklistTemplate.objects.get(enterprise=enterprise, name="@SUM(1,1)")
    return {
        "departments": sorted(Department.objects.filter(enterprise=enterprise).values_list("name", flat=True)),
        "post": (post.department.name, post.name, post.location),
        "person": (person.name, person.phone),
        "card": (Card.objects.get(post=post).duties,),
        "items": [(i.label, i.unit) for i in template.items.filter(active=True)],
        "counts": (Post.objects.count(), Person.objects.count(), Membership.objects.count(), Card.objects.count()),
    }


def test_an_onboarding_export_of_formula_like_texts_is_inert_and_imports_back_unchanged(api, world, admin):
    t = ONBOARDING_TEXTS
    book = load_workbook(BytesIO(api.as_(admin).get(TEMPLATE).content))
    typed(book["部门"], "A2", t["department"])
    for coordinate, value in zip("ABCDE", [t["department"], t["post"], "橙", t["location"], None], strict=True):
        typed(book["岗位"], f"{coordinate}2", value)
    people = [t["username"], t["person"], t["phone"], "作业人员", f"{t['department']}/{t['post']}", "Init-Pass-2024"]
    for coordinate, value in zip("ABCDEF", people, strict=True):
        typed(book["人员"], f"{coordinate}2", value)
    typed(book["明白卡"], "A2", t["department"])
    typed(book["明白卡"], "B2", t["post"])
    typed(book["明白卡"], "C2", t["duties"])
    typed(book["检查表"], "A2", t["template"])
    typed(book["检查表"], "C2", f"{t['department']}/{t['post']}")
    typed(book["检查表"], "E2", t["label"])
    typed(book["检查表"], "N2", t["unit"])
    book["检查表"].delete_rows(3)
    for sheet in ("风险点", "风险评价", "管控措施"):  # their examples name the post renamed above
        book[sheet].delete_rows(2, 10)
    first = upload(api, admin, world.enterprise, to_bytes(book))
    assert first.status_code == 200, first.content
    # A value that already starts with a quote before a trigger survives too (it gets a second one).
    Post.objects.filter(name=t["post"]).update(location="'=already quoted")
    before = state(world.enterprise)
    assert before["post"] == (t["department"], t["post"], "'=already quoted")
    assert before["person"] == (t["person"], t["phone"]) and before["card"] == ([DDE, "-第二条"],)
    assert before["items"] == [(t["label"], t["unit"])]

    exported = export(api, admin, world.enterprise)
    values = assert_inert(exported, [v for k, v in t.items() if k != "location"])
    assert f"'{t['department']}" in values and f"'{t['phone']}" in values and "''=already quoted" in values

    again = upload(api, admin, world.enterprise, exported)
    assert again.status_code == 200, again.content
    assert set(again.json()["created"].values()) == {0} and set(again.json()["updated"].values()) == {0}
    assert state(world.enterprise) == before
    assert strings(export(api, admin, world.enterprise)) == strings(exported)


# ---------------------------------------------------------------------------------------------
# 5. Markup injection in the PDFs


@pytest.fixture
def photo():
    """An image file of the server, at a path short enough for a person's name (50 characters)."""
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="m", suffix=".jpg", delete=False) as file:
        Image.new("RGB", (40, 40), "red").save(file, "JPEG")
    yield file.name
    os.unlink(file.name)


def payloads(photo: str) -> dict[str, str]:
    return {"unclosed": "<b>", "image": f'<img src="{photo}"/>'}


def images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("kind", ["unclosed", "image"])
def test_the_dispatch_pdf_escapes_every_typed_text(api, world, principal, photo, kind):
    markup = payloads(photo)[kind]
    texts = {
        "enterprise": f"厂{markup}名",
        "signer": f"签{markup}字",
        "owner": f"责{markup}人",
        "summary": f"总{markup}结",
        "task": f"任{markup}务",
    }
    pk = signed_dispatch(api, world, principal, **texts)
    for person in (world.regulator, principal):  # an enterprise cannot block its own report, nor anyone's
        response = api.as_(person).get(f"{DISPATCHES}{pk}.pdf")
        assert response.status_code == 200, response.content[:300]
        assert response.content.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(response.content))
    assert images(reader) == 0  # the dispatch has no picture of its own: charts are drawn
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    for name, value in texts.items():
        assert squeeze(value) in text, name


@pytest.mark.usefixtures("cjk_font")
@pytest.mark.parametrize("kind", ["unclosed", "image"])
def test_the_cards_pdf_escapes_every_typed_text(api, world, photo, kind):
    markup = payloads(photo)[kind]
    world.enterprise.name = f"厂{markup}名"
    world.enterprise.save(update_fields=["name"])
    department = factories.DepartmentFactory(enterprise=world.enterprise, name=f"部{markup}门")
    Post.objects.filter(pk=world.post.pk).update(name=f"岗{markup}位", department=department, location=f"位{markup}置")
    card = factories.CardFactory(
        post=Post.objects.get(pk=world.post.pk),
        duties=[f"职{markup}责"],
        hazards=[{"name": f"险{markup}名", "risk_level": "red", "description": f"述{markup}描"}, f"串{markup}险"],
        controls=[f"控{markup}措"],
        emergency_steps=[{"key": "close", "title": f"关{markup}", "action": f"做{markup}法"}],
        emergency_contacts=[{"name": f"值{markup}班", "phone": f"电{markup}话"}, f"串{markup}话"],
        required_certificates=[f"证{markup}书"],
        ppe=[f"防{markup}护"],
        operating_rules=[f"规{markup}程"],
    )
    CardVersion.objects.create(card=card, version=1, content=card.content(), published_at=card.updated_at)
    factories.QrTokenFactory(post=world.post)
    response = api.as_(world.officer).get(f"/api/v1/enterprises/{world.enterprise.pk}/cards.pdf")
    assert response.status_code == 200, response.content[:300]
    reader = PdfReader(BytesIO(response.content))
    assert images(reader) == len(reader.pages) == 1  # the QR code, nothing else
    text = squeeze(reader.pages[0].extract_text())
    for where, (before, after) in CARD_TEXTS.items():
        assert squeeze(f"{before}{markup}{after}") in text, where


# Where each text of the card goes, as written above: (before, after) the markup.
CARD_TEXTS = {
    "enterprise": ("厂", "名"),
    "department": ("部", "门"),
    "post": ("岗", "位"),
    "location": ("位", "置"),
    "duties": ("职", "责"),
    "hazard": ("险", "名"),
    "hazard description": ("述", "描"),
    "hazard as text": ("串", "险"),
    "controls": ("控", "措"),
    "step title": ("关", ""),
    "step action": ("做", "法"),
    "contact name": ("值", "班"),
    "contact phone": ("电", "话"),
    "contact as text": ("串", "话"),
    "certificates": ("证", "书"),
    "ppe": ("防", "护"),
    "operating rules": ("规", "程"),
}


# ---------------------------------------------------------------------------------------------
# 7. Workbook bombs: bounded before parsing, every malformed workbook a 400 invalid_workbook


@pytest.fixture
def template(api, admin) -> bytes:
    return api.as_(admin).get(TEMPLATE).content


@pytest.fixture
def parsed(monkeypatch) -> list:
    """Records every call of openpyxl's load_workbook by the import."""
    calls = []
    original = onboarding.load_workbook

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(onboarding, "load_workbook", spy)
    return calls


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The workbook with some members' contents replaced (or added), deflated."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info, source.read(info.filename))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_with(cell_xml: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe9\x83\xa8\xe9\x97\xa8\xe5\x90\x8d\xe7\xa7\xb0</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + cell_xml + b"</t></is></c></row></sheetData></worksheet>"
    )


def refused(response, *, mentions: str = "", field: str = "file") -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_workbook" and body["field"] == field, body
    assert body["errors"] and all(e["message"] for e in body["errors"]), body
    assert mentions in body["message"], body["message"]
    return body


SHEET = "xl/worksheets/sheet1.xml"  # 部门


def test_a_highly_compressed_member_is_refused_before_parsing_quickly_and_in_little_memory(
    api, world, admin, template, parsed
):
    bomb = rezip(template, {SHEET: sheet_with(b"a" * 20_000_000)})
    assert len(bomb) < 100_000  # 20 MB of one character deflate to ~20 KB: a ratio of ~1000
    before = counts()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = upload(api, admin, world.enterprise, bomb)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    refused(response, mentions=SHEET)
    assert parsed == [] and counts() == before
    assert elapsed < 5 and peak < 10_000_000, (elapsed, peak)


@pytest.mark.parametrize("members", [{SHEET: 1_100_000}, {SHEET: 600_000, "xl/worksheets/sheet2.xml": 600_000}])
def test_members_larger_than_the_bound_are_refused_before_parsing(
    api, world, admin, template, parsed, settings, members
):
    settings.ONBOARDING_MAX_UNCOMPRESSED_BYTES = 1_000_000
    # Random hex hardly compresses: it is the size, not the ratio, that is refused.
    replace = {name: sheet_with(os.urandom(size // 2).hex().encode()) for name, size in members.items()}
    refused(upload(api, admin, world.enterprise, rezip(template, replace)), mentions="1000000")
    assert parsed == []


def declaring(data: bytes, member: str, size: int) -> bytes:
    """The zip with the central directory declaring another uncompressed size for `member`."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length].decode() == member:
            data[at + 24 : at + 28] = size.to_bytes(4, "little")
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def test_a_member_declaring_a_huge_size_is_refused_before_anything_is_inflated(api, world, admin, template, parsed):
    refused(upload(api, admin, world.enterprise, declaring(template, SHEET, 4_000_000_000)), mentions=SHEET)
    assert parsed == []


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b"]>\n"
)


@pytest.mark.parametrize(
    "member, content",
    [
        # Parsed lazily by openpyxl's read-only mode, while the rows are read: it was a 500.
        (SHEET, BILLION_LAUGHS + sheet_with(b"&lol9;").split(b"\n", 1)[1]),
        ("xl/workbook.xml", "workbook"),
        ("[Content_Types].xml", "types"),
        # A DTD without entities, or pointing outside: refused as well.
        (SHEET, b'<?xml version="1.0"?>\n<!DOCTYPE worksheet>\n' + sheet_with(b"x").split(b"\n", 1)[1]),
        (SHEET, b'<!DOCTYPE w SYSTEM "http://evil.example/w.dtd">' + sheet_with(b"x").split(b"\n", 1)[1]),
    ],
)
def test_an_xml_member_with_a_dtd_is_a_400_not_a_500(api, world, admin, template, member, content):
    if isinstance(content, str):  # a real part of the template with a DTD put in front of its root
        original = zipfile.ZipFile(BytesIO(template)).read(member)
        if original.startswith(b"<?xml"):
            original = original.split(b"?>", 1)[1]
        content = BILLION_LAUGHS + original
    before = counts()
    body = refused(upload(api, admin, world.enterprise, rezip(template, {member: content})), mentions=member)
    assert "DTD" in body["message"]
    assert counts() == before


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2\n",  # not a zip at all
        b"PK\x03\x04 not really a zip",
        "truncated",
        "malformed xml",
    ],
)
def test_a_file_that_is_not_a_sound_workbook_is_a_400_invalid_workbook(api, world, admin, template, data):
    if data == "truncated":
        data = template[: len(template) // 2]
    elif data == "malformed xml":
        data = rezip(template, {SHEET: b"<worksheet><sheetData><row>"})
    refused(upload(api, admin, world.enterprise, data))


def sheet_xml(rows: list[list[str]]) -> bytes:
    """A worksheet of inline strings (openpyxl itself cuts what it writes to 32,767 characters)."""
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>' for c, value in enumerate(values)
        )
        + "</row>"
        for r, values in enumerate(rows, start=1)
    )
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def test_a_cell_longer_than_excel_allows_is_reported_at_its_cell(api, world, admin, template):
    posts = [onboarding.COLUMNS["岗位"], ["生产车间", "反应釜操作岗", "橙", "长" * 40_000, ""]]
    data = rezip(template, {"xl/worksheets/sheet2.xml": sheet_xml(posts)})
    body = refused(upload(api, admin, world.enterprise, data), field="岗位!D2")
    cell = next(e for e in body["errors"] if e.get("sheet") == "岗位")
    assert (cell["row"], cell["column"], cell["field"]) == (2, "位置", "岗位!D2")
    assert "32767" in cell["message"]


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_a_legitimate_workbook_still_imports(api, world, admin, template):
    response = upload(api, admin, world.enterprise, template, dry_run=True)
    assert response.status_code == 200, response.content


def test_a_control_character_in_a_card_text_does_not_break_the_onboarding_export(api, world):
    # openpyxl refuses control characters in a cell; the export drops them instead of answering 500.
    world.post.name = "反应釜\x07操作岗"
    world.post.save()
    response = api.as_(world.officer).get(f"/api/v1/enterprises/{world.enterprise.id}/onboarding.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    names = [row[1] for row in book["岗位"].iter_rows(min_row=2, values_only=True)]
    assert "反应釜操作岗" in names
