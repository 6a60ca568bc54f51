"""The judgment standards (issue 16): the seeded catalogue, the clauses offered by industry, and the
clause a major hazard must cite."""

import re
from datetime import date

import pytest

from hazards.models import Hazard, JudgmentClause, JudgmentStandard
from tests import factories
from tests.hazards.conftest import HAZARDS, assert_error, chemical_clause

CLAUSES = "/api/v1/judgment-clauses/"
CHINESE_NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()

# The published numbering and the opening words of each clause (the migration names the sources).
PUBLISHED = {
    "应急管理部令第10号": [
        ("第三条第（一）项", "未对承包单位、承租单位的安全生产工作"),
        ("第三条第（二）项", "特种作业人员未按照规定经专门的安全作业培训"),
        ("第三条第（三）项", "金属冶炼企业主要负责人、安全生产管理人员"),
        ("第四条第（一）项", "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类"),
        ("第四条第（二）项", "生产期间冶炼、精炼和铸造生产区域的事故坑"),
        ("第四条第（三）项", "炼钢连铸流程未设置事故钢水罐"),
        ("第六条第（一）项", "煤磨袋式收尘器、煤粉仓未设置温度"),
        ("第六条第（二）项", "筒型储库人工清库作业未落实清库方案"),
        ("第六条第（三）项", "水泥企业电石渣原料筒型储库"),
        ("第六条第（四）项", "进入筒型储库、焙烧窑、预热器旋风筒"),
        ("第六条第（五）项", "采用预混燃烧方式的燃气窑炉"),
        ("第六条第（六）项", "制氢站、氮氢保护气体配气间、燃气配气间等3类场所"),
        ("第六条第（七）项", "电熔制品电炉的水冷设备失效的"),
        ("第六条第（八）项", "玻璃窑炉、玻璃锡槽等设备未设置水冷和风冷"),
        ("第七条第（一）项", "会议室、活动室、休息室、更衣室、交接班室等5类"),
        ("第七条第（二）项", "铸造用熔炼炉、精炼炉、保温炉未设置紧急排放"),
    ],
    "安监总管三〔2017〕121号": [
        (f"第{n}项", opening)
        for n, opening in zip(
            CHINESE_NUMERALS,
            [
                "危险化学品生产、经营单位主要负责人",
                "特种作业人员未持证上岗",
                "涉及“两重点一重大”的生产装置",
                "涉及重点监管危险化工工艺的装置",
                "构成一级、二级重大危险源的危险化学品罐区",
                "全压力式液化烃储罐",
                "液化烃、液氨、液氯等易燃易爆",
                "光气、氯气等剧毒气体及硫化氢气体管道",
                "地区架空电力线路穿越生产区",
                "在役化工装置未经正规设计",
                "使用淘汰落后安全技术工艺、设备目录",
                "涉及可燃和有毒有害气体泄漏的场所",
                "控制室或机柜间面向具有火灾、爆炸危险性装置",
                "化工生产装置未按国家标准要求设置双重电源",
                "安全阀、爆破片等安全附件未正常投用",
                "未建立与岗位相匹配的全员安全生产责任制",
                "未制定操作规程和工艺控制指标",
                "未按照国家标准制定动火、进入受限空间",
                "新开发的危险化学品生产工艺未经小试、中试",
                "未按国家标准分区分类储存危险化学品",
            ],
            strict=True,
        )
    ],
}


@pytest.mark.django_db
def test_every_seeded_clause_is_there_numbered_as_published_and_its_standard_names_its_source():
    mem10 = JudgmentStandard.objects.get(issuing_order="应急管理部令第10号")
    assert mem10.effective_from == date(2023, 5, 15) and mem10.effective_to is None
    for order, published in PUBLISHED.items():
        standard = JudgmentStandard.objects.get(issuing_order=order)
        assert "http" in standard.source
        stored = list(standard.clauses.order_by("ordinal").values_list("number", "text"))
        assert [number for number, _text in stored] == [number for number, _opening in published]
        for (_number, text), (_n, opening) in zip(stored, published, strict=True):
            assert text.startswith(opening)
    assert JudgmentClause.objects.count() == 36


@pytest.mark.django_db
def test_each_seeded_article_is_complete_as_far_as_seeded_and_its_items_are_numbered_in_order():
    """The items of an article run (一), (二), ... without a gap from the first, in the published order;
    the articles whose full text was found (第三条, 第六条) have all their items."""
    mem10 = JudgmentStandard.objects.get(issuing_order="应急管理部令第10号")
    numbers = list(mem10.clauses.order_by("ordinal").values_list("number", flat=True))
    items: dict[str, list[str]] = {}
    for number in numbers:
        article, item = re.fullmatch(r"(第.+条)第（(.+)）项", number).groups()
        items.setdefault(article, []).append(item)
    assert list(items) == ["第三条", "第四条", "第六条", "第七条"]
    for article, seen in items.items():
        assert seen == CHINESE_NUMERALS[: len(seen)], article
    assert len(items["第三条"]) == 3 and len(items["第六条"]) == 8
    chemical = JudgmentStandard.objects.get(issuing_order="安监总管三〔2017〕121号")
    assert chemical.effective_from == date(2017, 11, 13)
    assert "CompanyController_safety.java" in chemical.source and "2017年11月13日" in chemical.source


def industry(code: str, name: str):
    return factories.IndustryFactory(code=code, name=name, high_risk=False)


def test_an_enterprises_industry_selects_the_clauses_offered(api, world):
    chemical = api.as_(world.worker).get(CLAUSES, {"enterprise": world.enterprise.id})
    assert chemical.status_code == 200
    assert {c["issuing_order"] for c in chemical.data} == {"安监总管三〔2017〕121号"} and len(chemical.data) == 20
    machine = factories.EnterpriseFactory(region=world.enterprise.region, industry=industry("C34", "通用设备制造业"))
    member = factories.MembershipFactory(enterprise=machine, role="worker").person
    offered = api.as_(member).get(CLAUSES, {"enterprise": machine.id}).data
    general_and_machinery = [n for n, _o in PUBLISHED["应急管理部令第10号"] if n[:3] in ("第三条", "第七条")]
    assert [c["number"] for c in offered] == general_and_machinery
    steel = factories.EnterpriseFactory(region=world.enterprise.region, industry=industry("C31", "黑色金属冶炼"))
    member = factories.MembershipFactory(enterprise=steel, role="worker").person
    offered = [c["number"] for c in api.as_(member).get(CLAUSES, {"enterprise": steel.id}).data]
    assert offered == [n for n, _o in PUBLISHED["应急管理部令第10号"] if n[:3] in ("第三条", "第四条")]
    cement = factories.EnterpriseFactory(region=world.enterprise.region, industry=industry("C30", "非金属矿物制品业"))
    member = factories.MembershipFactory(enterprise=cement, role="worker").person
    offered = [c["number"] for c in api.as_(member).get(CLAUSES, {"enterprise": cement.id}).data]
    assert offered == [n for n, _o in PUBLISHED["应急管理部令第10号"] if n[:3] in ("第三条", "第六条")]
    textile = factories.EnterpriseFactory(region=world.enterprise.region, industry=industry("C17", "纺织业"))
    member = factories.MembershipFactory(enterprise=textile, role="worker").person
    offered = api.as_(member).get(CLAUSES, {"enterprise": textile.id}).data
    assert [c["number"] for c in offered] == ["第三条第（一）项", "第三条第（二）项", "第三条第（三）项"]


def test_the_clauses_of_another_tenant_are_a_404_and_before_the_standard_was_in_force_none(api, world):
    assert api.as_(world.outsider).get(CLAUSES, {"enterprise": world.enterprise.id}).status_code == 404
    before = api.as_(world.worker).get(CLAUSES, {"on": "2020-01-01"}).data
    assert {c["issuing_order"] for c in before} == {"安监总管三〔2017〕121号"}


def major(world, **extra) -> dict:
    return {"enterprise": world.enterprise.id, "grade": "major", "description": "液氯储罐区无泄漏报警", **extra}


def test_a_major_hazard_cannot_cite_a_clause_not_in_force_on_the_day_it_is_found(api, world):
    old = JudgmentStandard.objects.create(
        code="OLD",
        title="旧标准",
        issuing_order="旧文号",
        sector="化工",
        effective_from=date(2010, 1, 1),
        effective_to=date(2017, 11, 13),
    )
    repealed = old.clauses.create(number="第一项", ordinal=1, text="已废止的情形。")
    response = api.as_(world.worker).post(HAZARDS, major(world, basis_clause=repealed.id))
    assert_error(response, 400, "basis")
    assert response.json()["code"] == "clause_not_in_force" and not Hazard.objects.exists()


def test_a_major_hazard_cannot_cite_a_clause_of_another_industry(api, world):
    machine_clause = JudgmentClause.objects.get(number="第七条第（一）项")
    response = api.as_(world.worker).post(HAZARDS, major(world, basis_clause=machine_clause.id))
    assert_error(response, 400, "basis")
    assert_error(api.as_(world.worker).post(HAZARDS, major(world, basis_clause=999999)), 400, "basis_clause")


def test_a_general_hazard_may_cite_a_clause_or_none(api, world):
    body = {"enterprise": world.enterprise.id, "grade": "general", "description": "地面油污"}
    assert api.as_(world.worker).post(HAZARDS, body).status_code == 201
    response = api.as_(world.worker).post(HAZARDS, {**body, "basis_clause": chemical_clause("第十七项").id})
    assert response.status_code == 201 and response.data["basis_clause"]["number"] == "第十七项"


def test_an_old_free_text_basis_stays_readable(api, world):
    hazard = factories.HazardFactory(
        enterprise=world.enterprise, found_by=world.worker, grade="major", basis="令第10号 第二条"
    )
    body = api.as_(world.officer).get(f"{HAZARDS}{hazard.id}/").data
    assert body["basis"] == "令第10号 第二条" and body["basis_clause"] is None


def test_the_standards_are_listed_with_their_versions(api, world):
    body = api.as_(world.worker).get("/api/v1/judgment-standards/").data
    assert {s["issuing_order"] for s in body} == {"应急管理部令第10号", "安监总管三〔2017〕121号"}
