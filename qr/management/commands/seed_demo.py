"""The Ezhou demo: regions, industries, two enterprises, posts with published cards and QR codes,
checklist templates and the demo logins of API.md ("Demo data").

Every row is found by its natural key and only written when it differs, so a second run changes
nothing. The enterprises and people are made up; the codes, phone numbers 119/120 and the rules
on the cards follow the 2024 Ezhou campaign notice (reference/ezhou-2024-campaign-targets.txt).
"""

import time
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from cards.models import Card, CardVersion, EmergencyStepKey
from cards.register import card_register_content
from cards.serializers import CardContentSerializer
from cards.services import card_publish
from checklists.models import ChecklistItem, ChecklistTemplate, HazardGrade, ItemKind, Tier
from orgs.models import (
    CertificateKind,
    Department,
    Enterprise,
    Industry,
    Membership,
    Person,
    Post,
    PostQrToken,
    Region,
    RegulatorScope,
    RiskLevel,
    Role,
)
from orgs.validators import credit_code_check_char
from qr.demo_history import Cast, History, clock, history_start, setup_time
from qr.demo_register import seed_demo_register
from qr.services import qr_token_issue

DEMO_PASSWORD = "mingbai-demo"
DEMO_TZ = "Asia/Shanghai"  # both demo enterprises keep the default time zone

CITY = "420700"
REGIONS = [  # (code, name, parent code)
    (CITY, "鄂州市", None),
    ("420702", "梁子湖区", CITY),
    ("420703", "华容区", CITY),
    ("420704", "鄂城区", CITY),
    # The development zones have no GB/T 2260 code of their own: these are local codes, the city's
    # code plus letters, so they can never collide with a real administrative code.
    ("420700GD", "葛店经开区", CITY),
    ("420700LK", "临空经济区", CITY),
]

INDUSTRIES = [  # GB/T 4754-2017: (code, name, high risk, parent code)
    ("C", "制造业", False, None),
    ("C26", "化学原料和化学制品制造业", True, "C"),
    ("C34", "通用设备制造业", False, "C"),
]


def credit_code(first17: str) -> str:
    """A 统一社会信用代码 with its GB 32100 check character: 9 (market regulator) 1 (enterprise),
    the registering region, then the nine-character organisation code."""
    return first17 + credit_code_check_char(first17)


CHEM, MACHINE = "chem", "machine"
ENTERPRISES = {
    CHEM: {
        "name": "鄂州明白化工有限公司(演示)",
        "credit_code": credit_code("91420700MA49DM0C1"),
        "region": "420700GD",
        "industry": "C26",
        "address": "湖北省鄂州市葛店经开区化工园区演示路1号",
        "actual_controller_name": "刘建华",
        "actual_controller_phone": "13971100004",
    },
    MACHINE: {
        "name": "鄂州明白机械制造有限公司(演示)",
        "credit_code": credit_code("91420700MA49DM0J2"),
        "region": "420704",
        "industry": "C34",
        "address": "湖北省鄂州市鄂城区演示大道2号",
        "actual_controller_name": "黄志刚",
        "actual_controller_phone": "13971100011",
    },
}
DUTY_ROOM = {CHEM: "0711-3316110", MACHINE: "0711-3316120"}
SAFETY_OFFICER_CONTACT = {CHEM: ("安全员 周安", "13971100002"), MACHINE: ("安全员 孙伟", "13971100012")}

DEPARTMENTS = {
    CHEM: ["合成车间", "储运部", "设备动力部", "安全环保部"],
    MACHINE: ["机加工车间", "装配车间", "安全环保部"],
}

# (username, display name, phone, enterprise, role); `regulator` has a scope instead of a role.
PEOPLE = [
    ("worker", "李明", "13971100001", CHEM, Role.WORKER),
    ("officer", "周安", "13971100002", CHEM, Role.SAFETY_OFFICER),
    ("director", "吴振华", "13971100003", CHEM, Role.SAFETY_DIRECTOR),
    ("principal", "刘建华", "13971100004", CHEM, Role.PRINCIPAL),
    ("admin", "陈静", "13971100005", CHEM, Role.ADMIN),
    ("worker2", "王强", "13971100006", MACHINE, Role.WORKER),
    ("officer2", "孙伟", "13971100012", MACHINE, Role.SAFETY_OFFICER),
    ("director2", "郑海涛", "13971100013", MACHINE, Role.SAFETY_DIRECTOR),
    ("principal2", "黄志刚", "13971100011", MACHINE, Role.PRINCIPAL),
    ("regulator", "赵立新(鄂州市应急管理局)", "13971100007", None, None),
]
SUPERUSERS = {"admin"}  # the enterprise admin also gets the Django admin in the demo


def steps(close: str, evade: str, shout: str, report: str, help_: str) -> list[dict]:
    """Seed item 49: the five steps 关、避、喊、报、助, written for one post."""
    actions = [close, evade, shout, report, help_]
    return [
        {"key": key.value, "title": str(key.label), "action": a}
        for key, a in zip(EmergencyStepKey, actions, strict=True)
    ]


def contacts(enterprise: str) -> list[dict]:
    officer_name, officer_phone = SAFETY_OFFICER_CONTACT[enterprise]
    return [
        {"name": "厂区值班室", "phone": DUTY_ROOM[enterprise]},
        {"name": officer_name, "phone": officer_phone},
        {"name": "火警", "phone": "119"},
        {"name": "急救", "phone": "120"},
    ]


def hazard(name: str, level: RiskLevel, description: str) -> dict:
    return {"name": name, "risk_level": level.value, "description": description}


REACTOR, TANK_FARM, MAINTENANCE, SAFETY_MGMT = "反应釜操作岗", "罐区巡检岗", "设备维修岗", "安全管理岗"
LATHE, CRANE, WELDING = "数控车床操作岗", "桥式起重机司机岗", "焊接岗"

# (enterprise, department, post, risk level, location, holders, card content)
POSTS = [
    (
        CHEM,
        "合成车间",
        REACTOR,
        RiskLevel.ORANGE,
        "合成车间一层 R101-R104 反应釜操作平台",
        ["worker"],
        {
            "duties": [
                "严格执行工艺操作规程和工艺指标,不超温、超压、超液位、超负荷操作。",
                "每班按日管控检查表检查反应釜、仪表、联锁和气体检测报警仪,如实记录。",
                "发现异常立即处置,并报告班长和厂区值班室,不冒险作业。",
                "参加安全培训和应急演练,掌握本岗位应急处置方法。",
                "正确佩戴、维护劳动防护用品和岗位应急器材。",
            ],
            "hazards": [
                hazard("火灾爆炸", RiskLevel.ORANGE, "物料泄漏遇点火源,或反应失控导致超温超压。"),
                hazard("中毒和窒息", RiskLevel.ORANGE, "有毒物料泄漏;未经置换、检测进入釜内作业。"),
                hazard("灼烫", RiskLevel.YELLOW, "接触高温设备、管道或酸碱物料。"),
                hazard("机械伤害", RiskLevel.BLUE, "搅拌器等转动部位未停机即检查、清理。"),
            ],
            "controls": [
                "温度、压力、液位与进料切断联锁及紧急停车系统(SIS)全部投用,严禁擅自摘除或旁路。",
                "可燃、有毒气体检测报警仪24小时运行,一级报警值为25%LEL。",
                "投料前确认冷却水、搅拌、氮气保护正常,按工艺卡控制滴加速度。",
                "进入釜内等受限空间作业须办理作业票,先通风、再检测、后作业,专人监护。",
                "防爆区域内禁止携带火种,禁止使用非防爆工具和手机。",
            ],
            "emergency_steps": steps(
                "立即按下紧急停车按钮,关闭进料阀,冷却水开到最大。",
                "泄漏或超压无法控制时,戴好防毒面具沿上风向撤到厂区东门集合点。",
                "大声呼喊“反应釜泄漏,快撤离!”,提醒周边人员撤离。",
                "立即电话报告厂区值班室0711-3316110;着火拨119,有人受伤拨120。",
                "确保自身安全后,协助把中毒人员移到上风向通风处,等待专业救援,不盲目施救。",
            ),
            "emergency_contacts": contacts(CHEM),
            "required_certificates": ["特种作业操作证(危险化工工艺作业)", "三级安全教育培训合格"],
            "ppe": ["防静电工作服", "安全帽", "防护面屏", "耐酸碱手套", "过滤式防毒面具(随身携带)"],
            "operating_rules": [
                "开车前检查阀门状态、仪表联锁、冷却水和氮气保护,确认无误后方可投料。",
                "按工艺卡规定的顺序、数量和速度投料,严禁超量投料。",
                "升温升压要缓慢,每30分钟记录一次温度、压力。",
                "交接班当面交接设备运行状况和异常情况,交接不清不离岗。",
                "停车后按规程泄压、降温、氮气置换。",
            ],
        },
    ),
    (
        CHEM,
        "储运部",
        TANK_FARM,
        RiskLevel.RED,
        "甲类储罐区(重大危险源)",
        [],
        {
            "duties": [
                "按巡检路线每2小时巡检储罐区,检查液位、温度、压力、呼吸阀和阻火器。",
                "监督罐区内动火、进入受限空间等特殊作业的作业票和现场监护。",
                "发现泄漏、超液位立即处置并报告,做好巡检记录。",
                "维护罐区喷淋、泡沫等消防设施,保持完好。",
            ],
            "hazards": [
                hazard("火灾爆炸", RiskLevel.RED, "易燃液体储罐泄漏,遇静电、雷击或明火引燃。"),
                hazard("中毒", RiskLevel.ORANGE, "有毒物料挥发、泄漏。"),
                hazard("高处坠落", RiskLevel.YELLOW, "上罐顶检查、量油时失足。"),
            ],
            "controls": [
                "储罐区是重大危险源,落实包保责任制,主要负责人、技术负责人、操作负责人分级包保。",
                "液位高高报警与进料切断联锁投用,不得摘除。",
                "防火堤完好,雨水排放阀平时关闭。",
                "上罐前触摸静电释放球,罐顶作业系好安全带。",
                "罐区内禁止使用非防爆工具和手机。",
            ],
            "emergency_steps": steps(
                "关闭泄漏储罐的进出料阀和罐根阀,停止输转泵。",
                "戴好空气呼吸器,人员沿上风向撤离,在罐区入口拉警戒线。",
                "呼喊“罐区泄漏!”,通知周边岗位停止动火、撤离。",
                "立即报告厂区值班室0711-3316110,着火拨119。",
                "启动罐区喷淋和泡沫系统冷却邻罐,引导消防队到达现场。",
            ),
            "emergency_contacts": contacts(CHEM),
            "required_certificates": ["三级安全教育培训合格", "重大危险源岗位操作培训合格"],
            "ppe": ["防静电工作服", "防静电鞋", "安全帽", "便携式可燃气体检测仪", "空气呼吸器(岗位柜存放)"],
            "operating_rules": [
                "巡检按路线逐点进行,巡检仪打卡,不漏点。",
                "收发料前核对罐号、液位,防止冒罐、串料。",
                "雷雨天气停止收发料和罐顶作业。",
            ],
        },
    ),
    (
        CHEM,
        "设备动力部",
        MAINTENANCE,
        RiskLevel.YELLOW,
        "设备动力部维修班",
        [],
        {
            "duties": [
                "按检修计划维护保养设备,检修前办理检修作业票并落实能量隔离。",
                "动火、高处、临时用电作业按规定办票,落实安全措施后作业。",
                "检修完毕清理现场,恢复安全设施,与工艺人员交接确认。",
            ],
            "hazards": [
                hazard("火灾爆炸", RiskLevel.ORANGE, "在防爆区域动火作业,可燃气体未清除。"),
                hazard("触电", RiskLevel.YELLOW, "带电作业、临时用电线路破损。"),
                hazard("高处坠落", RiskLevel.YELLOW, "2米以上作业未系安全带。"),
                hazard("机械伤害", RiskLevel.YELLOW, "检修时设备被误启动。"),
            ],
            "controls": [
                "检修前断电、断料、泄压、置换,上锁挂牌(LOTO)。",
                "动火作业前做动火分析,合格后30分钟内动火,监火人全程在场。",
                "2米以上高处作业系好安全带,高挂低用。",
            ],
            "emergency_steps": steps(
                "立即停止作业,切断电源、气源,熄灭动火点。",
                "撤离到安全区域,远离泄漏点和带电设备。",
                "呼喊提醒周边人员,停止附近一切作业。",
                "报告厂区值班室0711-3316110,着火拨119,有人受伤拨120。",
                "有人触电先断电再施救,必要时进行心肺复苏。",
            ),
            "emergency_contacts": contacts(CHEM),
            "required_certificates": ["特种作业操作证(低压电工作业)", "特种作业操作证(熔化焊接与热切割作业)"],
            "ppe": ["安全帽", "绝缘手套", "绝缘鞋", "焊接面罩", "全身式安全带"],
            "operating_rules": [
                "无票不作业,票证与现场措施不符不作业。",
                "检修工具使用前检查,防爆区域使用防爆工具。",
            ],
        },
    ),
    (
        CHEM,
        "安全环保部",
        SAFETY_MGMT,
        RiskLevel.YELLOW,
        "办公楼二层安全环保部",
        ["officer", "director"],
        {
            "duties": [
                "每日审核各岗位日管控记录,督促缺失记录补查。",
                "安全员、安全总监每周带队开展周排查,编写周排查报告。",
                "协助主要负责人每月召开月调度会议,跟踪隐患逐条整改销号。",
                "组织全员安全培训和应急演练,高危行业每半年至少演练一次。",
            ],
            "hazards": [
                hazard("中毒和窒息", RiskLevel.YELLOW, "现场检查时遇有毒气体泄漏。"),
                hazard("高处坠落", RiskLevel.YELLOW, "检查装置框架、罐顶时失足。"),
            ],
            "controls": [
                "进入装置区佩戴便携式气体检测仪,两人同行。",
                "检查中发现重大隐患立即报告主要负责人和实际控制人。",
            ],
            "emergency_steps": steps(
                "通知现场岗位关闭相关阀门、切断电源。",
                "组织现场人员沿上风向撤离到集合点并清点人数。",
                "用广播和对讲机通知全厂,停止周边作业。",
                "向主要负责人报告,按预案向园区和应急管理部门报告,必要时拨打119/120。",
                "组织应急救援队伍在确保安全的前提下救援,引导外部救援力量。",
            ),
            "emergency_contacts": contacts(CHEM),
            "required_certificates": ["危险化学品生产单位安全生产管理人员安全生产知识和管理能力考核合格证"],
            "ppe": ["安全帽", "防静电工作服", "便携式四合一气体检测仪"],
            "operating_rules": [
                "排查发现的隐患当场登记,明确整改责任人和期限。",
                "隐患整改完成后现场验收,合格后销号。",
            ],
        },
    ),
    (
        MACHINE,
        "机加工车间",
        LATHE,
        RiskLevel.YELLOW,
        "机加工车间 A 区 CK6150 数控车床",
        ["worker2"],
        {
            "duties": [
                "按操作规程使用数控车床,每班开机前检查防护门联锁和急停按钮。",
                "保持机床和周边通道整洁,切屑及时清理。",
                "发现设备异常立即停机并报告班长。",
            ],
            "hazards": [
                hazard("机械伤害", RiskLevel.YELLOW, "手套、袖口、长发被旋转的卡盘或工件卷入。"),
                hazard("物体打击", RiskLevel.BLUE, "工件装夹不牢飞出,扳手遗留在卡盘上。"),
                hazard("触电", RiskLevel.BLUE, "电气柜门未关、线缆破损。"),
            ],
            "controls": [
                "操作旋转设备严禁戴手套,工作服三紧,长发盘入工作帽。",
                "防护门联锁有效,开门即停主轴;启动前取下卡盘扳手。",
                "清理切屑用铁钩或毛刷,严禁用手直接清理。",
            ],
            "emergency_steps": steps(
                "立即按下急停按钮,切断机床电源。",
                "工件飞出或着火时离开机床正前方,退到安全通道。",
                "呼喊周边同事前来协助,提醒不要靠近。",
                "报告班长和厂区值班室0711-3316120,有人受伤拨120。",
                "有人被卷入时先停机断电再解救,不得反转强拉,简单止血包扎后送医。",
            ),
            "emergency_contacts": contacts(MACHINE),
            "required_certificates": ["三级安全教育培训合格"],
            "ppe": ["工作服(袖口、下摆、裤脚扎紧)", "防护眼镜", "安全鞋", "工作帽"],
            "operating_rules": [
                "开机前检查润滑、冷却和各手柄位置,空运转3分钟确认正常。",
                "程序首件试切用单段运行,确认无误后自动运行。",
                "下班前清理机床,各轴回参考点,切断电源。",
            ],
        },
    ),
    (
        MACHINE,
        "装配车间",
        CRANE,
        RiskLevel.ORANGE,
        "装配车间 10t 桥式起重机",
        [],
        {
            "duties": [
                "每班作业前检查制动器、钢丝绳、吊钩和限位器。",
                "听从指挥人员的统一指挥,执行“十不吊”。",
                "作业结束将吊钩升到安全高度,切断电源。",
            ],
            "hazards": [
                hazard("起重伤害", RiskLevel.ORANGE, "吊物坠落、碰撞,吊钩下方站人。"),
                hazard("高处坠落", RiskLevel.YELLOW, "上下司机室、检修桥架时失足。"),
                hazard("触电", RiskLevel.YELLOW, "接触滑触线。"),
            ],
            "controls": [
                "起升高度限位、行程限位和制动器每班试验,失效不得作业。",
                "吊物下方严禁站人,吊物不得从人头上方通过。",
                "检修时断开总电源,挂“禁止合闸”牌。",
            ],
            "emergency_steps": steps(
                "立即停止起升、运行,按下紧急断电开关。",
                "吊物下方人员迅速撤离,禁止进入吊装区域。",
                "鸣铃并呼喊,警示车间内人员避让。",
                "报告班长和厂区值班室0711-3316120,有人受伤拨120。",
                "在断电、吊物稳固后协助救出伤员,不得冒险登车。",
            ),
            "emergency_contacts": contacts(MACHINE),
            "required_certificates": ["特种设备安全管理和作业人员证(Q2 起重机司机)"],
            "ppe": ["安全帽", "安全鞋", "防滑手套"],
            "operating_rules": [
                "起吊前试吊,离地100毫米确认制动可靠后再起升。",
                "严禁超载、斜拉斜吊和吊拔埋在地下的物体。",
            ],
        },
    ),
    (
        MACHINE,
        "装配车间",
        WELDING,
        RiskLevel.YELLOW,
        "装配车间焊接工位",
        [],
        {
            "duties": [
                "持证焊接,作业前检查焊机接地、线缆和气瓶。",
                "动火点周边10米内清除可燃物,配备灭火器。",
                "作业结束确认无遗留火种后离开。",
            ],
            "hazards": [
                hazard("火灾", RiskLevel.ORANGE, "焊渣飞溅引燃可燃物。"),
                hazard("触电", RiskLevel.YELLOW, "焊机接地失效、焊钳绝缘破损。"),
                hazard("灼烫", RiskLevel.YELLOW, "焊渣、弧光灼伤。"),
                hazard("职业危害", RiskLevel.YELLOW, "焊接烟尘、弧光。"),
            ],
            "controls": [
                "焊机可靠接地,线缆无破损;氧气、乙炔瓶间距不小于5米,距明火不小于10米。",
                "开启局部排烟,佩戴防尘口罩和焊接面罩。",
            ],
            "emergency_steps": steps(
                "停止焊接,关闭焊机电源和气瓶阀门。",
                "火势无法控制时撤离到车间外集合点。",
                "呼喊“着火了!”,提醒周边人员撤离。",
                "报告厂区值班室0711-3316120,着火拨119,有人受伤拨120。",
                "用就近灭火器扑救初起火灾,协助转移伤员。",
            ),
            "emergency_contacts": contacts(MACHINE),
            "required_certificates": ["特种作业操作证(熔化焊接与热切割作业)"],
            "ppe": ["焊接面罩", "焊工手套", "阻燃工作服", "防尘口罩", "绝缘鞋"],
            "operating_rules": [
                "作业前办理动火审批,检查周边可燃物。",
                "焊接结束后在现场观察30分钟,确认无火种。",
            ],
        },
    ),
]


def item(label, kind=ItemKind.CHECK, *, required=True, grade=HazardGrade.GENERAL, photo_on_fail=False, **bounds):
    return {
        "label": label,
        "kind": kind,
        "required": required,
        "hazard_grade_on_fail": grade,
        "photo_on_fail": photo_on_fail,
        "min_value": bounds.get("min_value"),
        "max_value": bounds.get("max_value"),
        "normal_min": bounds.get("normal_min"),
        "normal_max": bounds.get("normal_max"),
        "unit": bounds.get("unit", ""),
    }


# (enterprise, name, tier, posts, items)
TEMPLATES = [
    (
        CHEM,
        "反应釜操作岗日管控检查表",
        Tier.DAILY,
        [REACTOR],
        [
            item("反应釜温度、压力、液位在工艺指标范围内,仪表显示正常"),
            item(
                "可燃气体浓度",
                ItemKind.NUMBER,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                normal_max=Decimal("25"),  # the first alarm level of the detectors on the card
                unit="%LEL",
                grade=HazardGrade.MAJOR,
            ),
            item(
                "反应釜压力",
                ItemKind.NUMBER,
                min_value=Decimal("0"),
                max_value=Decimal("1.6"),
                normal_max=Decimal("0.30"),
                unit="MPa",
            ),
            # A disabled shutdown system on a hazardous process is a major hazard under the 2017
            # judgment standard for chemical enterprises (安监总管三〔2017〕121号).
            item(
                "紧急停车系统(SIS)和温度、压力联锁投用,未被摘除或旁路",
                grade=HazardGrade.MAJOR,
                photo_on_fail=True,
            ),
            item("可燃、有毒气体检测报警仪运行正常,无报警"),
            item("劳动防护用品穿戴齐全,防毒面具随身携带"),
            item("现场照片(仪表盘及反应釜周边)", ItemKind.PHOTO, required=False),
            item("交接班情况及异常说明", ItemKind.TEXT, required=False),
        ],
    ),
    (
        CHEM,
        "周排查(安全总监带队)",
        Tier.WEEKLY,
        [SAFETY_MGMT],
        [
            item("本周各岗位日管控记录齐全,缺失记录已追查"),
            item("重大危险源(储罐区)包保责任人本周履职记录完整"),
            item("动火、受限空间等特殊作业票证规范,现场监护到位"),
            item("消防设施、应急器材完好有效"),
            item("本周新发现隐患", ItemKind.NUMBER, min_value=Decimal("0"), unit="项"),
            item("本周排查情况与风险分析", ItemKind.TEXT),
            item("下周工作计划", ItemKind.TEXT),
        ],
    ),
    (
        CHEM,
        "月调度会议(主要负责人主持)",
        Tier.MONTHLY,
        [SAFETY_MGMT],
        [
            item("主要负责人主持召开本月安全生产调度会议"),
            item("上月排查发现的隐患已逐条整改销号"),
            item("参会人数", ItemKind.NUMBER, min_value=Decimal("1"), unit="人"),
            item("本月安全生产工作总结", ItemKind.TEXT),
            item("下月重点工作(责任人、完成时限)", ItemKind.TEXT),
            item("会议签到表照片", ItemKind.PHOTO, required=False),
        ],
    ),
    (
        MACHINE,
        "数控车床操作岗日管控检查表",
        Tier.DAILY,
        [LATHE],
        [
            item("防护门联锁有效,急停按钮灵敏", photo_on_fail=True),
            item("卡盘、工件装夹牢固,卡盘扳手已取下"),
            item("未戴手套操作,工作服袖口扎紧"),
            item(
                "冷却液浓度",
                ItemKind.NUMBER,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                normal_min=Decimal("3"),
                normal_max=Decimal("15"),
                unit="%",
            ),
            item("机床及周边照片", ItemKind.PHOTO, required=False),
            item("异常情况说明", ItemKind.TEXT, required=False),
        ],
    ),
]


# 持证上岗 (seed item 16): the certificate kinds (orgs migration 0004) a post requires.
REQUIRED_CERTIFICATES = {REACTOR: ["SO-09"], MAINTENANCE: ["SO-01", "SO-02"], CRANE: ["SE-Q2"], WELDING: ["SO-02"]}

# The daily items that fail now and then in the history, with the worker's note.
FAILING = {
    CHEM: [
        ("可燃、有毒气体检测报警仪运行正常,无报警", "2号报警仪显示故障代码E3"),
        ("劳动防护用品穿戴齐全,防毒面具随身携带", "防毒面具滤毒罐已过期"),
    ],
    MACHINE: [
        ("卡盘、工件装夹牢固,卡盘扳手已取下", "卡盘扳手未取下"),
        ("未戴手套操作,工作服袖口扎紧", "夜班操作工袖口未扎紧"),
    ],
}

# Knowledge questions (应知应会) on the cards the history's spot-checks draw from.
QUESTIONS = {
    REACTOR: [
        {
            "kind": "single",
            "text": "反应釜超温超压无法控制时,第一步应当?",
            "options": ["按紧急停车按钮并关闭进料阀", "先报告班长", "打开放空阀观察"],
            "answer": [0],
        },
        {"kind": "true_false", "text": "进入釜内作业前必须先通风、再检测、后作业,并有专人监护。", "answer": [0]},
        {
            "kind": "single",
            "text": "可燃气体检测报警仪的一级报警值是?",
            "options": ["10%LEL", "25%LEL", "50%LEL"],
            "answer": [1],
        },
        {
            "kind": "multiple",
            "text": "本岗位应急处置“五步法”包括哪些?",
            "options": ["关", "避", "喊", "报", "助"],
            "answer": [0, 1, 2, 3, 4],
        },
        {
            "kind": "single",
            "text": "发生泄漏撤离时应向哪个方向撤离?",
            "options": ["下风向", "上风向", "就近车间"],
            "answer": [1],
        },
    ],
    LATHE: [
        {"kind": "true_false", "text": "操作数控车床时可以戴手套。", "answer": [1]},
        {
            "kind": "single",
            "text": "启动主轴前必须做什么?",
            "options": ["取下卡盘扳手", "打开防护门", "加大进给"],
            "answer": [0],
        },
        {
            "kind": "single",
            "text": "清理切屑应当使用?",
            "options": ["手", "铁钩或毛刷", "压缩空气对人吹"],
            "answer": [1],
        },
        {"kind": "true_false", "text": "有人被卷入时应先停机断电再解救。", "answer": [0]},
        {"kind": "single", "text": "冷却液浓度的正常范围是?", "options": ["1%-2%", "3%-15%", "20%-30%"], "answer": [1]},
    ],
}


class Tally:
    """What the run did, per kind of row: created, updated or kept as it was."""

    def __init__(self):
        self.counts: dict[str, Counter] = {}

    def note(self, kind: str, state: str) -> None:
        self.counts.setdefault(kind, Counter())[state] += 1

    def lines(self) -> list[str]:
        out = []
        for kind, counter in self.counts.items():
            parts = [f"{n} {state}" for state, n in counter.items()]
            out.append(f"  {kind:<20} {', '.join(parts)}")
        return out


def upsert(tally: Tally, kind: str, model: type[models.Model], lookup: dict, values: dict):
    """The row with `lookup`, created or changed to carry `values`; untouched when it already does."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        tally.note(kind, "created")
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        auto_now = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=changed + auto_now)
    tally.note(kind, "updated" if changed else "kept")
    return obj


class Command(BaseCommand):
    help = "Create (or bring back) the Ezhou demo data and logins; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Only the enterprises, people, posts, cards and templates: no two months of records (tests).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates logins with a published password; it runs only with DJANGO_DEBUG=1.")
        for _ent, _dept, name, _level, _where, _holders, content in POSTS:
            shape = CardContentSerializer(data=content)
            if not shape.is_valid():
                raise CommandError(f"demo card {name} is malformed: {shape.errors}")
        tally = Tally()
        begun = time.monotonic()
        today, now = timezone.localdate(timezone=ZoneInfo(DEMO_TZ)), timezone.now()
        with transaction.atomic():
            # Rows made now carry the setup's time, a week before the history (posts and templates
            # must exist before the checks made at them).
            with clock(setup_time(today, DEMO_TZ)):
                self._seed(tally)
            if not options["no_history"]:
                self._history(tally, today=today, now=now)
        self.stdout.write("Demo data (鄂州市):")
        for line in tally.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"History from {history_start(today)} to yesterday; seeded in {time.monotonic() - begun:.1f} s"
        )
        self.stdout.write(f"Logins ({DEMO_PASSWORD}): " + ", ".join(username for username, *_ in PEOPLE))

    def _seed(self, tally: Tally) -> None:
        regions = {}
        for code, name, parent in REGIONS:
            regions[code] = upsert(
                tally, "regions", Region, {"code": code}, {"name": name, "parent": regions.get(parent)}
            )
        industries = {}
        for code, name, high_risk, parent in INDUSTRIES:
            values = {"name": name, "high_risk": high_risk, "parent": industries.get(parent)}
            industries[code] = upsert(tally, "industries", Industry, {"code": code}, values)

        people = {}
        # A key derivation takes half a second on a slow machine: the demo logins share one hash of the
        # published password, and each distinct hash is checked once.
        verified: set[str] = set()
        shared = None
        for username, name, phone, _ent, _role in PEOPLE:
            superuser = username in SUPERUSERS
            values = {"name": name, "phone": phone, "is_staff": superuser, "is_superuser": superuser, "is_active": True}
            person = people[username] = upsert(tally, "people", Person, {"username": username}, values)
            if person.password in verified or (person.has_usable_password() and person.check_password(DEMO_PASSWORD)):
                verified.add(person.password)
                tally.note("passwords", "kept")
            else:  # a new person, or one whose demo password was changed
                shared = shared or make_password(DEMO_PASSWORD)
                person.password = shared
                person.save(update_fields=["password"])
                verified.add(shared)
                tally.note("passwords", "set")

        enterprises = {}
        for key, data in ENTERPRISES.items():
            values = {k: v for k, v in data.items() if k != "credit_code"}
            values.update(region=regions[data["region"]], industry=industries[data["industry"]])
            if key == CHEM:
                # Seed item 34: major hazards reach the actual controller at once; here that is the
                # chairman, who is also the principal, as in most small enterprises.
                values["actual_controller"] = people["principal"]
            enterprises[key] = upsert(tally, "enterprises", Enterprise, {"credit_code": data["credit_code"]}, values)

        for username, _name, _phone, ent, role in PEOPLE:
            if role is not None:
                lookup = {"person": people[username], "enterprise": enterprises[ent]}
                upsert(tally, "memberships", Membership, lookup, {"role": role})
        scope = {"person": people["regulator"], "region": regions[CITY], "industry": None}
        upsert(tally, "regulator scopes", RegulatorScope, scope, {})

        departments = {}
        for ent, names in DEPARTMENTS.items():
            for name in names:
                lookup = {"enterprise": enterprises[ent], "name": name}
                departments[ent, name] = upsert(tally, "departments", Department, lookup, {})

        posts, cards = {}, []
        for ent, dept, name, level, location, holders, content in POSTS:
            lookup = {"enterprise": enterprises[ent], "department": departments[ent, dept], "name": name}
            post = posts[name] = upsert(tally, "posts", Post, lookup, {"risk_level": level, "location": location})
            wanted = set(CertificateKind.objects.filter(code__in=REQUIRED_CERTIFICATES.get(name, [])))
            if set(post.required_certificate_kinds.all()) != wanted:
                post.required_certificate_kinds.set(wanted)
            held = set(post.holders.values_list("username", flat=True))
            for username in holders:
                if username not in held:
                    post.holders.add(people[username])
            content = {**content, **(card_register_content(post) or {})}  # the register's risks (issue 15)
            card = upsert(tally, "cards", Card, {"post": post}, {"enterprise": enterprises[ent], **content})
            cards.append(card)  # published below, once the register has written its part
            had_token = PostQrToken.objects.filter(post=post, revoked_at__isnull=True).exists()
            qr_token_issue(post=post)
            tally.note("QR tokens", "kept" if had_token else "created")

        for ent, name, tier, post_names, items in TEMPLATES:
            lookup = {"enterprise": enterprises[ent], "name": name}
            template = upsert(tally, "checklist templates", ChecklistTemplate, lookup, {"tier": tier, "active": True})
            wanted = {posts[p].pk for p in post_names}
            if set(template.posts.values_list("pk", flat=True)) != wanted:
                template.posts.set(wanted)
            for order, values in enumerate(items, start=1):
                upsert(
                    tally,
                    "checklist items",
                    ChecklistItem,
                    {"template": template, "order": order},
                    {**values, "active": True},
                )
            # Items are never deleted (archive records cite them): extra ones are only switched off.
            template.items.filter(order__gt=len(items), active=True).update(active=False)

        # 双重预防 (issue 15): the chemical plant's risk register, which its cards and checklists come from.
        chem = enterprises[CHEM]
        chem_departments = {name: d for (ent, name), d in departments.items() if ent == CHEM}
        seed_demo_register(
            tally=tally,
            upsert=upsert,
            enterprise=chem,
            departments=chem_departments,
            posts=posts,
            officer=people["officer"],
        )
        for card in cards:
            self._publish(tally, Card.objects.get(pk=card.pk))

    def _history(self, tally: Tally, *, today, now) -> None:
        """Two months of checks, hazards, signatures and reports (qr.demo_history), once per enterprise."""
        history = History(today=today, now=now, tally=tally)
        people = {p.username: p for p in Person.objects.filter(username__in=[row[0] for row in PEOPLE])}
        for key, worker, officer, director, principal in (
            (CHEM, "worker", "officer", "director", "principal"),
            (MACHINE, "worker2", "officer2", "director2", "principal2"),
        ):
            enterprise = Enterprise.objects.get(credit_code=ENTERPRISES[key]["credit_code"])
            templates = {t.name: t for t in ChecklistTemplate.objects.filter(enterprise=enterprise)}
            posts = {p.name: p for p in Post.objects.filter(enterprise=enterprise)}

            def on(template_name, post_name, templates=templates, posts=posts):
                return templates[template_name], posts[post_name]

            daily = [
                on(name, post_names[0])
                for ent, name, tier, post_names, _ in TEMPLATES
                if ent == key and tier == Tier.DAILY
            ]
            # Every other daily checklist of the enterprise (those the risk register generated for
            # other posts) is kept too, by a holder of its post: the figures expect them all.
            daily += [
                (template, post)
                for template in ChecklistTemplate.objects.filter(enterprise=enterprise, tier=Tier.DAILY, active=True)
                for post in template.posts.order_by("pk")
                if (template, post) not in daily
            ]
            by_label = dict(daily[0][0].items.filter(active=True).values_list("label", "id"))
            cast = Cast(
                enterprise=enterprise,
                worker=people[worker],
                officer=people[officer],
                director=people[director],
                principal=people[principal],
                daily=daily,
                # Items that fail now and then, with what the worker wrote: general hazards, no photo asked.
                fail_items=[(by_label[label], note) for label, note in FAILING[key]],
                questions=QUESTIONS[daily[0][1].name],
                drill_done=key == CHEM,
            )
            if key == CHEM:
                cast.weekly = on("周排查(安全总监带队)", SAFETY_MGMT)
                cast.monthly = on("月调度会议(主要负责人主持)", SAFETY_MGMT)
                cast.reading = (by_label["反应釜压力"], 0.34)
                # One certificate expiring within the month, one valid for years.
                cast.certificates = [("worker", "SO-09", 25, 1), ("officer", "SE-A", 900, 2)]
                cast.regulator = people["regulator"]  # one major hazard under supervision (挂牌督办)
            else:
                cast.reading = (by_label["冷却液浓度"], 1.8)
                cast.certificates = [("worker2", "SO-01", 700, 1)]
            history.build(cast)

    def _publish(self, tally: Tally, card: Card) -> None:
        """Publish the draft unless the latest version already says the same."""
        latest = CardVersion.objects.filter(card=card).order_by("-version").first()
        if latest is not None and latest.content == card.content():
            tally.note("card versions", "kept")
            return
        card_publish(card=card, by=None)
        tally.note("card versions", "created")
