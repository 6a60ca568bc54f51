"""The demo chemical plant's risk register (双重预防, issue 15), called by `seed_demo`: four risk points
with their hazard sources, LEC assessments and controls owned by the posts. The plant's cards take
their hazards and controls from it; each control is verified by a checklist item, either an item of
the posts' hand-written checklists (linked here) or one generated from the controls
(checklists.register). Idempotent like the rest of seed_demo: a second run writes nothing."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from cards.models import Card
from cards.register import card_register_content
from checklists.models import ChecklistItem, ChecklistTemplate
from checklists.register import checklist_generate_from_controls
from risks.models import Assessment, Control, HazardSource, RiskPoint, SitePlan
from risks.services import assessment_create

REACTOR, TANK_FARM, MAINTENANCE, SAFETY_MGMT = "反应釜操作岗", "罐区巡检岗", "设备维修岗", "安全管理岗"
ASSESSOR, ASSESSED_ON = "周安(安全环保部)", date(2024, 7, 1)

# name: (kind, department, location, exposed posts, (x, y) on the plan, (L, E, C), emergency steps,
#        owner, [(hazard source, accident types, [(measure, type, level, owner post, tier, verified by)])])
# "verified by" names an item of a seeded checklist; None: an item of the post's generated checklist.
REGISTER = {
    "合成车间反应釜区": (
        "area",
        "合成车间",
        "合成车间一层 R101-R104",
        [REACTOR, MAINTENANCE],
        (0.28, 0.35),
        (3, 6, 15),  # D = 270: 较大风险 (orange)
        ["立即按下紧急停车按钮,关闭进料阀", "戴好防毒面具沿上风向撤离到东门集合点", "报告厂区值班室 0711-3316110"],
        ("张国庆(合成车间主任)", "13971100021"),
        [
            (
                "反应失控导致超温超压",
                ["fire", "vessel_explosion"],
                [
                    (
                        "温度、压力、液位联锁及紧急停车系统(SIS)投用,严禁摘除或旁路",
                        "engineering",
                        "department",
                        REACTOR,
                        "daily",
                        "紧急停车系统(SIS)和温度、压力联锁投用,未被摘除或旁路",
                    ),
                    (
                        "按工艺卡控制温度、压力和滴加速度,每30分钟记录",
                        "management",
                        "team",
                        REACTOR,
                        "daily",
                        "反应釜温度、压力、液位在工艺指标范围内,仪表显示正常",
                    ),
                ],
            ),
            (
                "可燃、有毒物料泄漏",
                ["fire", "other_explosion", "poisoning"],
                [
                    (
                        "可燃、有毒气体检测报警仪24小时运行,一级报警值25%LEL",
                        "engineering",
                        "department",
                        REACTOR,
                        "daily",
                        "可燃、有毒气体检测报警仪运行正常,无报警",
                    ),
                    (
                        "随身携带过滤式防毒面具,穿防静电工作服",
                        "ppe",
                        "post",
                        REACTOR,
                        "daily",
                        "劳动防护用品穿戴齐全,防毒面具随身携带",
                    ),
                ],
            ),
            (
                "进入釜内等受限空间作业",
                ["poisoning"],
                [
                    (
                        "受限空间作业办票,先通风、再检测、后作业,专人监护",
                        "management",
                        "team",
                        MAINTENANCE,
                        "weekly",
                        None,
                    )
                ],
            ),
        ],
    ),
    "甲类储罐区": (
        "area",
        "储运部",
        "甲类储罐区(重大危险源)",
        [TANK_FARM],
        (0.72, 0.30),
        (3, 6, 40),  # D = 720: 重大风险 (red), controlled by the company
        [
            "关闭泄漏储罐进出料阀和罐根阀,停止输转泵",
            "启动喷淋和泡沫系统冷却邻罐",
            "沿上风向撤离,在罐区入口拉警戒线并报告",
        ],
        ("吴振华(安全总监)", "13971100003"),
        [
            (
                "易燃液体储罐泄漏遇点火源",
                ["fire", "other_explosion"],
                [
                    ("液位高高报警与进料切断联锁投用", "engineering", "company", TANK_FARM, "daily", None),
                    ("防火堤完好,雨水排放阀常闭", "management", "company", TANK_FARM, "daily", None),
                    (
                        "重大危险源包保责任制:主要负责人、技术负责人、操作负责人分级包保履职",
                        "management",
                        "company",
                        SAFETY_MGMT,
                        "weekly",
                        "重大危险源(储罐区)包保责任人本周履职记录完整",
                    ),
                ],
            ),
            (
                "上罐顶检查、量油",
                ["fall_from_height"],
                [("上罐前触摸静电释放球,罐顶作业系好安全带", "ppe", "company", TANK_FARM, "weekly", None)],
            ),
        ],
    ),
    "装车台": (
        "operation",
        "储运部",
        "厂区北侧汽车槽车装卸台",
        [TANK_FARM],
        (0.70, 0.78),
        (6, 3, 15),  # D = 270: 较大风险 (orange)
        ["立即停泵,关闭装卸阀门", "槽车熄火,疏散周边人员", "报告厂区值班室,着火拨119"],
        ("钱进(储运部经理)", "13971100022"),
        [
            (
                "装卸过程静电积聚放电",
                ["fire", "other_explosion"],
                [("槽车静电接地报警器接好并显示正常后方可装卸", "engineering", "department", TANK_FARM, "daily", None)],
            ),
            (
                "槽车溜车、碰撞",
                ["vehicle"],
                [("槽车熄火、拉手刹、放置轮挡,钥匙交装卸员保管", "management", "team", TANK_FARM, "daily", None)],
            ),
        ],
    ),
    "变配电室": (
        "equipment",
        "设备动力部",
        "动力站一层 10kV 变配电室",
        [MAINTENANCE],
        (0.22, 0.80),
        (1, 6, 15),  # D = 90: 一般风险 (yellow)
        ["立即断开上级电源", "用绝缘工具使触电者脱离电源", "拨打120并进行心肺复苏"],
        ("孙立(设备动力部)", "13971100023"),
        [
            (
                "带电设备、线路绝缘损坏",
                ["electrocution", "fire"],
                [
                    ("绝缘手套、绝缘靴按期检验,操作执行工作票和监护制度", "ppe", "team", MAINTENANCE, "weekly", None),
                    ("防小动物挡板、门窗完好,电缆沟封堵严密", "engineering", "post", MAINTENANCE, "weekly", None),
                ],
            ),
        ],
    ),
}


def _site_plan() -> bytes:
    """A drawn site plan: the buildings where the points are, labelled by shape only (text is the map's)."""
    image = Image.new("RGB", (1200, 800), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    for box in [(160, 140, 520, 420), (700, 80, 1040, 420), (700, 520, 1040, 720), (120, 540, 420, 740)]:
        draw.rectangle(box, fill=(220, 220, 215), outline=(120, 120, 120), width=4)
    draw.rectangle((0, 450, 1200, 490), fill=(200, 200, 200))  # the plant's main road
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def seed_demo_register(*, tally, upsert, enterprise, departments, posts, officer) -> None:
    """The register, the cards' drafts from it, and the checklist items that verify its controls.
    `upsert` and `tally` are seed_demo's; the cards are published by seed_demo afterwards."""
    if not SitePlan.objects.filter(enterprise=enterprise).exists():
        plan = SitePlan(enterprise=enterprise, width=1200, height=800, uploaded_by=officer)
        plan.image.save(f"plan-{enterprise.pk}.png", ContentFile(_site_plan()), save=False)
        plan.save()
        tally.note("site plans", "created")
    else:
        tally.note("site plans", "kept")
    for name, (kind, dept, location, exposed, (x, y), (likely, e, c), steps, owner, sources) in REGISTER.items():
        values = {
            "kind": kind,
            "department": departments[dept],
            "location": location,
            "plan_x": Decimal(str(x)),
            "plan_y": Decimal(str(y)),
            "emergency_steps": steps,
            "owner_name": owner[0],
            "owner_phone": owner[1],
        }
        point = upsert(tally, "risk points", RiskPoint, {"enterprise": enterprise, "name": name}, values)
        if {p.pk for p in point.posts.all()} != {posts[p].pk for p in exposed}:
            point.posts.set([posts[p] for p in exposed])
        latest = Assessment.objects.filter(risk_point=point).order_by("-version").first()
        if latest is None or (latest.likelihood, latest.exposure, latest.consequence) != (likely, e, c):
            data = {"method": "LEC", "likelihood": likely, "exposure": e, "consequence": c}
            assessment_create(
                by=officer, risk_point=point, data={**data, "assessor_name": ASSESSOR, "assessed_on": ASSESSED_ON}
            )
            tally.note("risk assessments", "created")
        else:
            tally.note("risk assessments", "kept")
        for order, (source_name, types, controls) in enumerate(sources, start=1):
            lookup = {"risk_point": point, "name": source_name}
            source = upsert(tally, "hazard sources", HazardSource, lookup, {"accident_types": types, "order": order})
            for measure, kind_, level, owner_post, tier, verified_by in controls:
                lookup = {"enterprise": enterprise, "source": source, "measure": measure}
                values = {"type": kind_, "level": level, "owner_post": posts[owner_post], "tier": tier, "active": True}
                control = upsert(tally, "risk controls", Control, lookup, values)
                if verified_by is not None:
                    items = ChecklistItem.objects.filter(template__enterprise=enterprise, label=verified_by)
                    if items.exclude(control=control).update(control=control):
                        tally.note("items verifying controls", "updated")

    # Cards: the register decides the hazards and controls of every post exposed to a point.
    for post in {posts[p] for point in REGISTER.values() for p in point[3]}:
        content = card_register_content(post)
        card = Card.objects.filter(post=post).first()
        changed = [f for f, v in (content or {}).items() if getattr(card, f) != v]
        if changed:
            for field in changed:
                setattr(card, field, content[field])
            card.save(update_fields=[*changed, "updated_at"])
    # Checklists: the posts without a hand-written checklist of a control's tier get one generated.
    for name in (TANK_FARM, MAINTENANCE):
        existed = ChecklistTemplate.objects.filter(register_post=posts[name]).count()
        templates = checklist_generate_from_controls(post=posts[name], by=officer)
        for _template in templates[existed:]:
            tally.note("checklist templates", "created")
        for _template in templates[:existed]:
            tally.note("checklist templates", "kept")
