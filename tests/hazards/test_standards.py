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
        ("第四条第（四）项", "转炉、电弧炉、AOD炉、LF炉、"),
        ("第四条第（五）项", "高炉生产期间炉顶工作压力设定值超"),
        ("第四条第（六）项", "煤气生产、回收净化、加压混合、储"),
        ("第四条第（七）项", "加热炉、煤气柜、除尘器、加压机、"),
        ("第四条第（八）项", "正压煤气输配管线水封式排水器的最"),
        ("第五条第（一）项", "会议室、活动室、休息室、操作室、"),
        ("第五条第（二）项", "生产期间冶炼、精炼、铸造生产区域"),
        ("第五条第（三）项", "熔融金属铸造环节未设置紧急排放和"),
        ("第五条第（四）项", "采用水冷冷却的冶炼炉窑、铸造机（"),
        ("第五条第（五）项", "熔融金属冶炼炉窑的闭路循环水冷元"),
        ("第五条第（六）项", "铝加工深井铸造工艺的结晶器冷却水"),
        ("第五条第（七）项", "铝加工深井铸造工艺的浇铸炉铝液出"),
        ("第五条第（八）项", "铝加工深井铸造工艺的固定式浇铸炉"),
        ("第五条第（九）项", "铝加工深井铸造工艺的倾动式浇铸炉"),
        ("第五条第（十）项", "铝加工深井铸造机钢丝卷扬系统选用"),
        ("第五条第（十一）项", "可能发生一氧化碳、砷化氢、氯气、"),
        ("第五条第（十二）项", "使用煤气（天然气）并强制送风的燃"),
        ("第五条第（十三）项", "正压煤气输配管线水封式排水器的最"),
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
        ("第七条第（三）项", "生产期间铸造用熔炼炉、精炼炉、保"),
        ("第七条第（四）项", "铸造用熔炼炉、精炼炉、压铸机、氧"),
        ("第七条第（五）项", "使用煤气（天然气）的燃烧装置的燃"),
        ("第七条第（六）项", "使用可燃性有机溶剂清洗设备设施、"),
        ("第七条第（七）项", "使用非水性漆的调漆间、喷漆室未设"),
        ("第八条第（一）项", "食品制造企业烘制、油炸设备未设置"),
        ("第八条第（二）项", "白酒勾兑、灌装场所和酒库未设置固"),
        ("第八条第（三）项", "纸浆制造、造纸企业使用蒸气、明火"),
        ("第八条第（四）项", "日用玻璃、陶瓷制造企业采用预混燃"),
        ("第八条第（五）项", "日用玻璃制造企业玻璃窑炉的冷却保"),
        ("第八条第（六）项", "使用非水性漆的调漆间、喷漆室未设"),
        ("第八条第（七）项", "锂离子电池储存仓库未对故障电池采"),
        ("第九条第（一）项", "纱、线、织物加工的烧毛、开幅、烘"),
        ("第九条第（二）项", "保险粉、双氧水、次氯酸钠、亚氯酸"),
        ("第十条第（一）项", "熏蒸作业场所未配备磷化氢气体浓度"),
        ("第十条第（二）项", "使用液态二氧化碳制造膨胀烟丝的生"),
        ("第十一条第（一）项", "粉尘爆炸危险场所设置在非框架结构"),
        ("第十一条第（二）项", "不同类别的可燃性粉尘、可燃性粉尘"),
        ("第十一条第（三）项", "干式除尘系统未采取泄爆、惰化、抑"),
        ("第十一条第（四）项", "铝镁等金属粉尘除尘系统采用正压除"),
        ("第十一条第（五）项", "除尘系统采用重力沉降室除尘，或者"),
        ("第十一条第（六）项", "铝镁等金属粉尘、木质粉尘的干式除"),
        ("第十一条第（七）项", "除尘器、收尘仓等划分为20区的粉"),
        ("第十一条第（八）项", "粉碎、研磨、造粒等易产生机械点燃"),
        ("第十一条第（九）项", "遇湿自燃金属粉尘收集、堆放、储存"),
        ("第十一条第（十）项", "未落实粉尘清理制度，造成作业现场"),
        ("第十二条第（一）项", "包装、分割、产品整理场所的空调系"),
        ("第十二条第（二）项", "快速冻结装置未设置在单独的作业间"),
        ("第十三条第（一）项", "未对有限空间进行辨识、建立安全管"),
        ("第十三条第（二）项", "未落实有限空间作业审批，或者未执"),
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
    assert JudgmentClause.objects.count() == 84


@pytest.mark.django_db
def test_every_article_is_complete_and_its_items_are_numbered_in_order():
    """The items of an article run (一), (二), ... without a gap from the first, in the published order;
    第三条 to 第十三条 have all their items, 64 in all as the Ministry counts them."""
    mem10 = JudgmentStandard.objects.get(issuing_order="应急管理部令第10号")
    numbers = list(mem10.clauses.order_by("ordinal").values_list("number", flat=True))
    items: dict[str, list[str]] = {}
    for number in numbers:
        article, item = re.fullmatch(r"(第.+条)第（(.+)）项", number).groups()
        items.setdefault(article, []).append(item)
    articles = "三 四 五 六 七 八 九 十 十一 十二 十三".split()
    assert list(items) == [f"第{a}条" for a in articles]
    for article, seen in items.items():
        assert seen == CHINESE_NUMERALS[: len(seen)], article
    assert [len(seen) for seen in items.values()] == [3, 8, 13, 8, 7, 7, 2, 2, 10, 2, 2]
    assert len(numbers) == 64
    assert not [t for t in mem10.clauses.values_list("text", flat=True) if t[-1] in "；;。" or "第（" in t]
    chemical = JudgmentStandard.objects.get(issuing_order="安监总管三〔2017〕121号")
    assert chemical.effective_from == date(2017, 11, 13)
    assert "CompanyController_safety.java" in chemical.source and "2017年11月13日" in chemical.source


def industry(code: str, name: str):
    return factories.IndustryFactory(code=code, name=name, high_risk=False)


def test_an_enterprises_industry_selects_the_clauses_offered(api, world):
    chemical = api.as_(world.worker).get(CLAUSES, {"enterprise": world.enterprise.id})
    assert chemical.status_code == 200
    assert {c["issuing_order"] for c in chemical.data} == {"安监总管三〔2017〕121号"} and len(chemical.data) == 20

    def offered(code: str, name: str) -> list[str]:
        enterprise = factories.EnterpriseFactory(region=world.enterprise.region, industry=industry(code, name))
        member = factories.MembershipFactory(enterprise=enterprise, role="worker").person
        response = api.as_(member).get(CLAUSES, {"enterprise": enterprise.id})
        assert response.status_code == 200
        return [c["number"] for c in response.data]

    def articles(*names: str) -> list[str]:
        """The published clauses of these articles, with the general 第三条 and the special fields (粉尘爆炸、
        液氨制冷、有限空间, 第十一条 to 第十三条) that apply to any 工贸 enterprise."""
        wanted = ("第三条", *names, "第十一条", "第十二条", "第十三条")
        return [n for n, _o in PUBLISHED["应急管理部令第10号"] if n.split("第（")[0] in wanted]

    assert offered("C34", "通用设备制造业") == articles("第七条")
    assert offered("C31", "黑色金属冶炼") == articles("第四条")
    assert offered("C32", "有色金属冶炼和压延加工业") == articles("第五条")
    assert offered("C30", "非金属矿物制品业") == articles("第六条")
    assert offered("C17", "纺织业") == articles("第九条")
    assert offered("C16", "烟草制品业") == articles("第十条")
    assert offered("C1511", "酒精制造") == articles("第八条")
    assert offered("F52", "零售业") == articles()


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
