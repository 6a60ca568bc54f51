"""Seed the judgment standards whose text we could cite exactly (issue 16). Never add a clause here
without the published text in front of you; name where it was taken from.

1. 《工贸企业重大事故隐患判定标准》(中华人民共和国应急管理部令第10号, 2023年4月14日公布,
   自2023年5月15日起施行).
   Sources of the text: the full text as reprinted by 中国应急管理报, 2023年06月01日 第04版
   "工贸企业重大事故隐患判定标准(中华人民共和国应急管理部令第10号)" (第一条至第四条), found at
   http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html, and the same text (第一条 onwards)
   reprinted 2023-04-19 at http://m.by1723.com/xwzx/hydt/202304/t20230419_73880.html; 第六条 and
   the opening of 第七条 as reprinted by 中国应急管理报, 2023年06月22日 第04版, found at
   http://boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html. Those reprints are in
   traditional characters; the clauses below are the same characters in simplified script. 第三条
   (一) and (二) also appear in simplified script in public repositories quoting "第三条第（一）项"
   and "第三条第（二）项" verbatim.
   Seeded: 第三条 (the clauses for every 工贸 enterprise; all three items) and 第七条 (机械企业, the
   sector of the demo's 通用设备制造业 enterprise) items (一) and (二) only.
   NOT seeded because the full text was not found: 第七条 from item (三) on, and 第四条 to 第六条,
   第八条 to 第十三条 (other sectors and the special fields 粉尘爆炸、液氨制冷、有限空间).
2. 《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行)》(安监总管三〔2017〕121号),
   the standard of the demo's 化学原料和化学制品制造业 enterprise: all twenty items.
   Sources: https://shanxi.news.163.com/24/0822/08/JA6CSUIP04199ACH.html (items 一 to 十四, in
   simplified script) and 中国应急管理报 2023年05月25日 第04版 at
   http://anzhuopai.com/szb/pc/col/202305/25/content_202393.html (items (一) to (十四)); items 十五 to
   二十 from a public repository that lists all twenty items of the standard in order (its 十五 begins as
   both pages do: "安全阀、爆破片等安全附件未"). The published text numbers the items "一、" to "二十、";
   here they are "第一项" to "第二十项". Effective date: the notice's date, 2017-11-13 (from memory of the
   notice, not from a page found; correct it in the admin if it differs).

The industry codes (GB/T 4754 prefixes) are our mapping of each standard's scope (工贸: 第二条's
冶金、有色、建材、机械、轻工、纺织、烟草、商贸; 化工: petroleum and chemical manufacturing), not text of the
standards; they are editable in the admin.
"""

import datetime

from django.db import migrations

MEM_10 = {
    "code": "MEM-ORDER-10",
    "version": 1,
    "title": "工贸企业重大事故隐患判定标准",
    "issuing_order": "应急管理部令第10号",
    "sector": "工贸(冶金、有色、建材、机械、轻工、纺织、烟草、商贸)",
    "industry_codes": "C13,C14,C15,C16,C17,C18,C19,C20,C21,C22,C23,C24,C29,C30,C31,C32,C33,C34,C35,C36,"
    "C37,C38,C39,C40,C41,C42,C43,F51,F52",
    "effective_from": datetime.date(2023, 5, 15),
    "source": "中华人民共和国应急管理部令第10号;全文转载:中国应急管理报 2023-06-01 第04版 "
    "(http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html)、2023-06-22 第04版 "
    "(http://boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html)",
}
MACHINERY = "C33,C34,C35,C36,C37,C38,C40,C43"
MEM_10_CLAUSES = [
    ("第三条第（一）项", "未对承包单位、承租单位的安全生产工作统一协调、管理，或者未定期进行安全检查的", ""),
    ("第三条第（二）项", "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业的", ""),
    ("第三条第（三）项", "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格的", ""),
    (
        "第七条第（一）项",
        "会议室、活动室、休息室、更衣室、交接班室等5类人员聚集场所设置在熔融金属吊运跨或者浇注跨的地坪区域内的",
        MACHINERY,
    ),
    ("第七条第（二）项", "铸造用熔炼炉、精炼炉、保温炉未设置紧急排放和应急储存设施的", MACHINERY),
]

CHEMICAL = {
    "code": "AJZGS-2017-121",
    "version": 1,
    "title": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准(试行)",
    "issuing_order": "安监总管三〔2017〕121号",
    "sector": "化工和危险化学品",
    "industry_codes": "C25,C26",
    "effective_from": datetime.date(2017, 11, 13),
    "source": "安监总管三〔2017〕121号;全文转载:https://shanxi.news.163.com/24/0822/08/JA6CSUIP04199ACH.html、"
    "中国应急管理报 2023-05-25 第04版 (http://anzhuopai.com/szb/pc/col/202305/25/content_202393.html)",
}
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()
CHEMICAL_TEXTS = [
    "危险化学品生产、经营单位主要负责人和安全生产管理人员未依法经考核合格。",
    "特种作业人员未持证上岗。",
    "涉及“两重点一重大”的生产装置、储存设施外部安全防护距离不符合国家标准要求。",
    "涉及重点监管危险化工工艺的装置未实现自动化控制，系统未实现紧急停车功能，装备的自动化控制系统、紧急停车系统未投入使用。",
    "构成一级、二级重大危险源的危险化学品罐区未实现紧急切断功能；涉及毒性气体、液化气体、剧毒液体的一级、二级重大危险源的"
    "危险化学品罐区未配备独立的安全仪表系统。",
    "全压力式液化烃储罐未按国家标准设置注水措施。",
    "液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统。",
    "光气、氯气等剧毒气体及硫化氢气体管道穿越除厂区（包括化工园区、工业园区）外的公共区域。",
    "地区架空电力线路穿越生产区且不符合国家标准要求。",
    "在役化工装置未经正规设计且未进行安全设计诊断。",
    "使用淘汰落后安全技术工艺、设备目录列出的工艺、设备。",
    "涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置，爆炸危险场所未按国家标准安装使用防爆电气设备。",
    "控制室或机柜间面向具有火灾、爆炸危险性装置一侧不满足国家标准关于防火防爆的要求。",
    "化工生产装置未按国家标准要求设置双重电源供电，自动化控制系统未设置不间断电源。",
    "安全阀、爆破片等安全附件未正常投用。",
    "未建立与岗位相匹配的全员安全生产责任制或者未制定实施生产安全事故隐患排查治理制度。",
    "未制定操作规程和工艺控制指标。",
    "未按照国家标准制定动火、进入受限空间等特殊作业管理制度，或者制度未有效执行。",
    "新开发的危险化学品生产工艺未经小试、中试、工业化试验直接进行工业化生产；国内首次使用的化工工艺未经过省级人民政府有关部门"
    "组织的安全可靠性论证；新建装置未制定试生产方案投料开车；精细化工企业未按规范性文件要求开展反应安全风险评估。",
    "未按国家标准分区分类储存危险化学品，超量、超品种储存危险化学品，相互禁配物质混放混存。",
]
CHEMICAL_CLAUSES = [(f"第{n}项", text, "") for n, text in zip(NUMERALS, CHEMICAL_TEXTS, strict=True)]

SEED = [(MEM_10, MEM_10_CLAUSES), (CHEMICAL, CHEMICAL_CLAUSES)]


def seed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    for fields, clauses in SEED:
        standard, _ = Standard.objects.update_or_create(
            code=fields["code"], version=fields["version"], defaults=fields
        )
        for ordinal, (number, text, codes) in enumerate(clauses, start=1):
            Clause.objects.update_or_create(
                standard=standard, number=number, defaults={"ordinal": ordinal, "text": text, "industry_codes": codes}
            )


def unseed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    for fields, _clauses in SEED:
        standards = Standard.objects.filter(code=fields["code"], version=fields["version"])
        Clause.objects.filter(standard__in=standards, hazards__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0003_judgment_standards_plans_supervision")]

    operations = [migrations.RunPython(seed, unseed)]
