from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cards.models import Card
from checklists.models import ChecklistItem, ChecklistTemplate
from checklists.onboarding import COLUMNS
from core.exports import XLSX_MEDIA_TYPE
from orgs.models import Department, Membership, Person, Post, Role
from tests import factories

TEMPLATE = "/api/v1/onboarding/template.xlsx"


def import_url(enterprise):
    return f"/api/v1/enterprises/{enterprise.id}/onboarding/"


def export_url(enterprise):
    return f"/api/v1/enterprises/{enterprise.id}/onboarding.xlsx"


@pytest.fixture
def admin(world):
    return factories.MembershipFactory(enterprise=world.enterprise, role=Role.ADMIN).person


def template_book(api, person):
    response = api.as_(person).get(TEMPLATE)
    assert response.status_code == 200 and response["Content-Type"] == XLSX_MEDIA_TYPE
    return load_workbook(BytesIO(response.content))


def to_bytes(book) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(api, person, enterprise, data: bytes, *, dry_run=False, name="导入.xlsx"):
    file = SimpleUploadedFile(name, data, content_type=XLSX_MEDIA_TYPE)
    return api.as_(person).post(import_url(enterprise), {"file": file, "dry_run": dry_run}, format="multipart")


def sheet_values(book) -> dict:
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def counts():
    return (
        Department.objects.count(),
        Post.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        Card.objects.count(),
        ChecklistTemplate.objects.count(),
        ChecklistItem.objects.count(),
    )


def test_the_template_has_chinese_headers_an_example_row_and_notes(api, world):
    book = template_book(api, world.worker)
    assert [ws.title for ws in book.worksheets] == [*COLUMNS, "说明"]
    for sheet, columns in COLUMNS.items():
        rows = list(book[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == columns and len(rows) >= 2


def test_the_template_needs_a_login(api):
    assert api.get(TEMPLATE).status_code == 401


def test_a_dry_run_of_the_example_reports_what_would_change_and_writes_nothing(api, world, admin):
    before = counts()
    response = upload(api, admin, world.enterprise, to_bytes(template_book(api, admin)), dry_run=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["created"] == {
        "departments": 1,
        "posts": 1,
        "people": 1,
        "memberships": 1,
        "cards": 1,
        "templates": 1,
        "risk_points": 1,
        "assessments": 1,
        "controls": 2,
    }
    assert counts() == before


def test_the_example_imports_and_importing_again_updates_rather_than_duplicates(api, world, admin):
    data = to_bytes(template_book(api, admin))
    first = upload(api, admin, world.enterprise, data)
    assert first.status_code == 200, first.content
    after = counts()
    post = Post.objects.get(enterprise=world.enterprise, name="反应釜操作岗")
    assert post.department.name == "生产车间" and post.risk_level == "orange"
    assert [k.name for k in post.required_certificate_kinds.all()] == ["危险化学品安全作业"]
    zhang = Person.objects.get(username="zhangsan")
    assert zhang.check_password("Init-Pass-2024") and list(zhang.posts_held.all()) == [post]
    assert [s["title"] for s in post.card.emergency_steps] == ["关", "避", "喊", "报", "助"]
    template = ChecklistTemplate.objects.get(enterprise=world.enterprise, name="反应釜日常检查")
    assert [i.label for i in template.items.all()] == ["压力表读数正常", "釜内压力"]
    assert list(template.posts.all()) == [post]

    again = upload(api, admin, world.enterprise, data)
    assert again.status_code == 200
    assert set(again.json()["created"].values()) == {0} and set(again.json()["updated"].values()) == {0}
    assert counts() == after


def test_an_export_imports_again_unchanged_and_exports_the_same(api, world, admin):
    upload(api, admin, world.enterprise, to_bytes(template_book(api, admin)))
    exported = api.as_(admin).get(export_url(world.enterprise))
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX_MEDIA_TYPE
    # The enterprise's Chinese name survives in filename* (RFC 5987), after an ASCII fallback.
    name = quote(f"{world.enterprise.name}-导入.xlsx")
    assert exported["Content-Disposition"].startswith('attachment; filename="')
    assert exported["Content-Disposition"].endswith(f"; filename*=UTF-8''{name}")
    before = counts()
    again = upload(api, admin, world.enterprise, exported.content)
    assert again.status_code == 200, again.content
    assert set(again.json()["created"].values()) == {0} and set(again.json()["updated"].values()) == {0}
    assert counts() == before
    second = api.as_(admin).get(export_url(world.enterprise)).content
    assert sheet_values(load_workbook(BytesIO(second))) == sheet_values(load_workbook(BytesIO(exported.content)))


def test_a_changed_row_updates_the_stored_record(api, world, admin):
    book = template_book(api, admin)
    upload(api, admin, world.enterprise, to_bytes(book))
    book["岗位"]["C2"] = "红"
    book["人员"]["D2"] = "安全员"
    book["检查表"]["E3"] = "釜内压力(表压)"
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.json()["updated"] | {} == {
        "departments": 0,
        "posts": 1,
        "people": 0,
        "memberships": 1,
        "cards": 0,
        "templates": 1,
        "risk_points": 0,
        "assessments": 0,
        "controls": 0,
    }
    assert Post.objects.get(name="反应釜操作岗").risk_level == "red"
    assert Membership.objects.get(person__username="zhangsan").role == Role.SAFETY_OFFICER
    template = ChecklistTemplate.objects.get(name="反应釜日常检查")
    assert [i.label for i in template.items.filter(active=True)] == ["压力表读数正常", "釜内压力(表压)"]
    assert template.items.count() == 2


def test_a_malformed_workbook_lists_every_error_by_sheet_row_and_column_and_writes_nothing(api, world, admin):
    book = template_book(api, admin)
    book["部门"].append(["生产车间"])  # duplicate, row 3
    book["岗位"]["C2"] = "紫"
    book["岗位"]["E2"] = "飞行执照"
    book["人员"].append(["lisi", "李四", None, "老板", "生产车间/不存在岗", None])  # row 3
    book["明白卡"]["D2"] = "火灾爆炸|紫|"
    book["检查表"]["J3"] = "abc"
    before = counts()
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_workbook"
    found = {(e["sheet"], e["row"], e["column"]) for e in body["errors"]}
    assert found == {
        ("部门", 3, "部门名称"),
        ("岗位", 2, "风险等级"),
        ("岗位", 2, "持证要求"),
        ("人员", 3, "角色"),
        ("人员", 3, "岗位"),
        ("人员", 3, "初始密码"),
        ("明白卡", 2, "主要风险"),
        ("检查表", 3, "下限"),
    }
    assert all(e["message"] and e["field"].startswith(e["sheet"]) for e in body["errors"])
    assert next(e for e in body["errors"] if e["sheet"] == "岗位" and e["column"] == "风险等级")["field"] == "岗位!C2"
    assert counts() == before


def test_a_missing_sheet_or_column_is_reported(api, world, admin):
    book = template_book(api, admin)
    del book["明白卡"]
    book["人员"]["B1"] = "名字"
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400
    found = {(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]}
    assert found == {("人员", 1, "姓名"), ("明白卡", None, None)}


@pytest.mark.parametrize(
    "name, data",
    [
        ("导入.csv", b"a,b\n1,2\n"),
        ("导入.xlsx", b"a,b\n1,2\n"),
        ("导入.xlsx", b"PK\x03\x04 not really a zip"),
        ("导入.xls", b"\xd0\xcf\x11\xe0old excel"),
    ],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_a_400_naming_file(api, world, admin, name, data):
    response = upload(api, admin, world.enterprise, data, name=name)
    assert response.status_code == 400 and response.json()["field"] == "file", response.content


def test_an_oversized_file_is_a_400_naming_file(api, world, admin, settings):
    data = to_bytes(template_book(api, admin))
    settings.ONBOARDING_MAX_BYTES = len(data) - 1
    response = upload(api, admin, world.enterprise, data)
    assert response.status_code == 400 and response.json()["code"] == "too_large"


def test_the_import_is_all_or_nothing(api, world, admin):
    # The sheet demotes the only admin: found only while writing, after departments and posts went in.
    book = template_book(api, admin)
    book["人员"].append([admin.username, None, None, "作业人员", None, None])
    before = counts()
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert (error["sheet"], error["row"], error["column"]) == ("人员", 3, "角色")
    assert error["message"] == "企业至少需要一名管理员或主要负责人。"
    assert counts() == before
    assert Membership.objects.get(person=admin).role == Role.ADMIN


def test_an_admin_may_hand_over_to_a_principal_listed_after_them(api, world, admin):
    # Written through orgs.services.membership_update, which never leaves the enterprise without an org
    # admin: the promotions of the sheet go first, whatever the order of its rows.
    book = template_book(api, admin)
    book["人员"].append([admin.username, None, None, "安全员", None, None])
    book["人员"].append(["lisi", "李四", None, "主要负责人", None, "Init-Pass-2024"])
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 200, response.content
    assert Membership.objects.get(person=admin).role == Role.SAFETY_OFFICER
    assert Membership.objects.get(person__username="lisi").role == Role.PRINCIPAL


def test_only_org_admins_import_and_other_tenants_get_404(api, world, admin):
    data = to_bytes(template_book(api, admin))
    assert upload(api, world.officer, world.enterprise, data).status_code == 403
    assert upload(api, world.regulator, world.enterprise, data).status_code == 403
    assert upload(api, world.outsider, world.enterprise, data).status_code == 404
    assert api.as_(world.outsider).get(export_url(world.enterprise)).status_code == 404
    assert api.as_(world.worker).get(export_url(world.enterprise)).status_code == 403
    assert api.as_(world.officer).get(export_url(world.enterprise)).status_code == 200


def test_an_existing_person_who_belongs_nowhere_is_added_but_not_changed(api, world, admin):
    # A person of another enterprise (a regulator, staff) is refused: tests/security/test_accounts.py.
    free = factories.PersonFactory()
    book = template_book(api, admin)
    book["人员"].append([free.username.upper(), "改名", None, "作业人员", None, None])
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 200, response.content
    assert Membership.objects.filter(person=free, enterprise=world.enterprise).exists()
    free.refresh_from_db()
    assert free.name != "改名"


def test_a_member_who_also_belongs_to_another_enterprise_is_not_changed(api, world, admin):
    factories.MembershipFactory(person=world.outsider, enterprise=world.enterprise)  # a shared person, from before
    book = template_book(api, admin)
    book["人员"].append([world.outsider.username, None, None, "作业人员", None, None])
    assert upload(api, admin, world.enterprise, to_bytes(book)).status_code == 200
    book["人员"]["B3"] = "改名"
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400 and response.json()["errors"][0]["column"] == "姓名"


def test_new_people_sharing_an_initial_password_can_all_log_in(api, world, admin):
    book = template_book(api, admin)
    book["人员"].append(["lisi", "李四", None, "作业人员", None, "Init-Pass-2024"])
    book["人员"].append(["wangwu", "王五", None, "作业人员", None, "Other-Pass-2024"])
    assert upload(api, admin, world.enterprise, to_bytes(book)).status_code == 200
    for username, password in (
        ("zhangsan", "Init-Pass-2024"),
        ("lisi", "Init-Pass-2024"),
        ("wangwu", "Other-Pass-2024"),
    ):
        response = api.post("/api/v1/auth/token/", {"username": username, "password": password})
        assert response.status_code == 200, (username, response.content)


def test_the_workbook_urls_ignore_a_format_parameter_and_answer_errors_in_json(api, world):
    api.as_(world.worker)
    response = api.get(TEMPLATE + "?format=AAA")  # DRF made an unknown ?format= a 404
    assert response.status_code == 200 and response["Content-Type"] == XLSX_MEDIA_TYPE
    missing = api.get("/api/v1/enterprises/0/onboarding.xlsx?format=xlsx")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json()["code"] == "not_found"
