"""The register's sheets of the onboarding workbook: import, export back unchanged, errors by sheet,
row and column; a workbook without them imports as before."""

from io import BytesIO

from openpyxl import load_workbook

from risks.models import Assessment, Control, HazardSource, RiskPoint
from tests.checklists.test_onboarding import admin, export_url, sheet_values, template_book, to_bytes, upload

__all__ = ["admin"]


def test_the_example_builds_the_register(api, world, admin):
    response = upload(api, admin, world.enterprise, to_bytes(template_book(api, admin)))
    assert response.status_code == 200, response.content
    point = RiskPoint.objects.get(enterprise=world.enterprise, name="1# 反应釜")
    assert point.level == "orange" and point.department.name == "生产车间"  # LEC 3 x 6 x 15 = 270
    assert [p.name for p in point.posts.all()] == ["反应釜操作岗"]
    assert float(point.plan_x) == 0.3 and point.emergency_steps[0] == "立即关闭进料阀和加热蒸汽"
    sources = {s.name: s.accident_types for s in HazardSource.objects.filter(risk_point=point)}
    assert sources == {"反应失控超温超压": ["fire", "vessel_explosion"], "有毒物料泄漏": ["poisoning"]}
    assessment = Assessment.objects.get(risk_point=point)
    assert (assessment.score, assessment.assessor_name, str(assessment.assessed_on)) == (270, "李四", "2024-07-01")
    controls = {c.measure: (c.level, c.tier, c.owner_post.name) for c in Control.objects.all()}
    assert controls["有毒气体报警仪每周测试"] == ("team", "weekly", "反应釜操作岗")


def test_the_register_exports_and_imports_back_unchanged(api, world, admin):
    upload(api, admin, world.enterprise, to_bytes(template_book(api, admin)))
    exported = api.as_(admin).get(export_url(world.enterprise)).content
    book = load_workbook(BytesIO(exported))
    assert book["风险评价"]["B2"].value == "LEC" and book["管控措施"]["E2"].value == "车间/部门"
    again = upload(api, admin, world.enterprise, exported)
    assert again.status_code == 200, again.content
    assert set(again.json()["created"].values()) == {0} and set(again.json()["updated"].values()) == {0}
    assert Assessment.objects.count() == 1
    second = api.as_(admin).get(export_url(world.enterprise)).content
    assert sheet_values(load_workbook(BytesIO(second))) == sheet_values(book)


def test_a_new_assessment_row_adds_a_version(api, world, admin):
    book = template_book(api, admin)
    upload(api, admin, world.enterprise, to_bytes(book))
    book["风险评价"]["C2"] = 6  # L 3 -> 6: D = 540, red; the team-level control now breaks the rule
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400
    assert {"sheet": "管控措施", "row": 3, "column": "管控层级"} in [
        {k: e[k] for k in ("sheet", "row", "column")} for e in response.json()["errors"]
    ]
    book["管控措施"]["E2"] = book["管控措施"]["E3"] = "公司"
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 200, response.content
    assert response.json()["created"]["assessments"] == 1 and response.json()["updated"]["controls"] == 2
    assert RiskPoint.objects.get(name="1# 反应釜").level == "red"
    assert list(Assessment.objects.values_list("version", flat=True).order_by("version")) == [1, 2]


def test_register_errors_are_named_by_sheet_row_and_column(api, world, admin):
    book = template_book(api, admin)
    book["风险点"]["B2"] = "设备"
    book["风险点"]["F2"] = "反应失控|火灾、洪水"
    book["风险点"]["J2"] = 1.5
    book["风险评价"]["D2"] = 4  # E = 4: not in the table
    book["管控措施"]["B3"] = "不存在的危险源"
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 400
    where = {(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]}
    assert {
        ("风险点", 2, "类型"),
        ("风险点", 2, "危险源"),
        ("风险点", 2, "平面图横坐标"),
        ("风险评价", 2, "E"),
        ("管控措施", 3, "危险源"),
    } <= where
    messages = {e["column"]: e["message"] for e in response.json()["errors"] if e["sheet"] == "风险评价"}
    assert "E 取值必须是" in messages["E"]
    assert not RiskPoint.objects.exists()


def test_a_workbook_without_the_register_sheets_imports_as_before(api, world, admin):
    book = template_book(api, admin)
    for sheet in ("风险点", "风险评价", "管控措施"):
        del book[sheet]
    response = upload(api, admin, world.enterprise, to_bytes(book))
    assert response.status_code == 200, response.content
    assert not RiskPoint.objects.exists()
