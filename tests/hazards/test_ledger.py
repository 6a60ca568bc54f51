"""The hazard ledger (隐患台账) in and out, issue 16 item 4."""

from datetime import date
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from hazards.ledger import COLUMNS, SHEET
from hazards.models import Hazard
from tests import factories
from tests.hazards.conftest import assert_error

LEDGER = "/api/v1/hazards/ledger/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[dict]) -> SimpleUploadedFile:
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append(COLUMNS)
    for row in rows:
        ws.append([row.get(column) for column in COLUMNS])
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("台账.xlsx", out.getvalue(), XLSX)


def rows_of(world) -> list[dict]:
    return [
        {
            "隐患名称": "液氯储罐区泄漏报警器失效",
            "隐患等级": "重大",
            "位置": "液氯罐区",
            "判定依据": "安监总管三〔2017〕121号 第五项",
            "发现日期": "2023-03-02",
            "发现人": world.officer.username,
            "整改措施": "更换报警器并联锁",
            "整改责任人": world.worker.name,
            "整改期限": "2023-04-01",
            "整改完成日期": "2023-03-20",
            "验收人": world.officer.username,
        },
        {
            "隐患名称": "消防通道堆放杂物",
            "隐患等级": "一般",
            "发现日期": date(2023, 6, 1),
            "发现人": world.worker.username,
        },
    ]


def upload(api, person, enterprise, rows):
    return api.as_(person).post(LEDGER, {"enterprise": enterprise.id, "file": workbook(rows)}, format="multipart")


def test_a_ledger_imports_with_its_dates_grades_places_people_and_clauses(api, world):
    response = upload(api, world.officer, world.enterprise, rows_of(world))
    assert response.status_code == 201 and response.data["created"] == 2
    major, general = Hazard.objects.filter(pk__in=response.data["hazards"]).order_by("id")
    assert major.grade == "major" and major.status == "closed" and major.location == "液氯罐区"
    assert major.basis_clause.number == "第五项" and major.source == "ledger"
    assert major.found_by == world.officer and major.responsible == world.worker
    assert str(major.found_at.astimezone(ZoneInfo(world.enterprise.timezone)).date()) == "2023-03-02"
    assert [e.action for e in major.events.all()] == ["report", "accept"]
    assert general.status == "open" and general.basis_clause is None and general.closed_at is None


def test_an_exported_ledger_imports_again_into_another_enterprise_unchanged(api, world):
    upload(api, world.officer, world.enterprise, rows_of(world))
    query = {"enterprise": world.enterprise.id, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    exported = api.as_(world.officer).get("/api/v1/hazards/ledger.xlsx", query)
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX
    sheet = load_workbook(BytesIO(exported.content))[SHEET]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == COLUMNS and len(values) == 3
    assert values[1][1] == "液氯储罐区泄漏报警器失效" and values[1][4] == "安监总管三〔2017〕121号 第五项"
    assert values[1][12] == str(world.officer) and values[1][13] == "已销号"
    # Into a twin enterprise with people of the same names: the same rows come out again.
    twin = factories.EnterpriseFactory(region=world.enterprise.region, industry=world.enterprise.industry)
    officer = factories.MembershipFactory(
        enterprise=twin, role="safety_officer", person__name=world.officer.name
    ).person
    factories.MembershipFactory(enterprise=twin, role="worker", person__name=world.worker.name)
    again = api.as_(officer).post(
        LEDGER,
        {"enterprise": twin.id, "file": SimpleUploadedFile("x.xlsx", exported.content, XLSX)},
        format="multipart",
    )
    assert again.status_code == 201, again.json()
    query["enterprise"] = twin.id
    second = load_workbook(BytesIO(api.as_(officer).get("/api/v1/hazards/ledger.xlsx", query).content))[SHEET]
    assert [list(r)[1:] for r in second.iter_rows(values_only=True)] == [r[1:] for r in values]


def test_a_bad_row_refuses_the_whole_workbook_naming_sheet_row_and_column(api, world):
    rows = rows_of(world)
    rows[1]["隐患等级"] = "重大"  # a major hazard without a clause
    rows.append({"隐患名称": "x", "隐患等级": "一般", "发现日期": "2023-13-01", "发现人": "nobody"})
    response = upload(api, world.officer, world.enterprise, rows)
    assert_error(response, 400, f"{SHEET}!E3")
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [f"{SHEET}!E3", f"{SHEET}!F4", f"{SHEET}!G4"]
    assert not Hazard.objects.exists()


def test_a_clause_not_in_force_on_the_found_day_is_refused(api, world):
    rows = rows_of(world)[:1]
    rows[0]["判定依据"] = "应急管理部令第10号 第三条第（二）项"
    response = upload(api, world.officer, world.enterprise, rows)
    assert_error(response, 400, f"{SHEET}!E2")
    assert not Hazard.objects.exists()


def test_only_safety_managers_import_and_another_tenant_is_told_nothing(api, world):
    assert upload(api, world.worker, world.enterprise, rows_of(world)).status_code == 403
    assert upload(api, world.regulator, world.enterprise, rows_of(world)).status_code == 403
    assert_error(upload(api, world.outsider, world.enterprise, rows_of(world)), 400, "enterprise")


def test_the_region_ledger_is_a_pdf_for_the_regulator(api, world):
    upload(api, world.officer, world.enterprise, rows_of(world))
    query = {"region": world.enterprise.region_id, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    response = api.as_(world.regulator).get("/api/v1/hazards/ledger.pdf", query)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    no_scope = {"date_from": "2023-01-01", "date_to": "2023-12-31"}
    assert_error(api.as_(world.regulator).get("/api/v1/hazards/ledger.pdf", no_scope), 400, "enterprise")
    query = {"enterprise": world.enterprise.id, "date_from": "2023-01-01", "date_to": "2023-12-31"}
    assert api.as_(world.worker).get("/api/v1/hazards/ledger.pdf", query).status_code == 403
    assert api.as_(world.outsider).get("/api/v1/hazards/ledger.pdf", query).status_code == 404
