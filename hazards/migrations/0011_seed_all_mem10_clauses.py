"""Seed the rest of 《工贸企业重大事故隐患判定标准》(应急管理部令第10号): all 64 items of 第三条 to 第十三条
(issue 16). 0004 and 0009 are applied in deployments; this migration only adds and renumbers. Never add a
clause here without the published text in front of you.

1. Source of the 48 new items (第四条 (四) to (八); 第五条 (一) to (十三); 第七条 (三) to (七); 第八条 to 第十三条,
   every item): the public repository An-0726/safety-basis on GitHub, files knowledge/clauses/C_PDDB_3.json to
   C_PDDB_13.json (one file an article, field "quote": the article's whole text), which name as their source the
   Ministry's page of the order, https://www.mem.gov.cn/gk/zfxxgkpt/fdzdgknr/gz11/202305/t20230523_451578.shtml
   (not itself stored where we searched). A document of that repository on its 重大事故隐患判定目录 (v1) says
   the items were checked against that page and count 64 items in 第三条 to 第十三条, as the Ministry's
   announcement does; the texts below are 64 items, split at "（一）", "（二）" ... in each quote.
   Cross-checks: (a) the 16 items seeded by 0004 and 0009 from the 中国应急管理报 reprints are identical,
   character for character, to the same items of those files; (b) 第七条 (七) in traditional script, quoted in an
   enforcement report at http://m.kt323.cn/Article-876321.html (江阴市应急管理局, 2025), and 第十一条 (一) to (五)
   at http://www.czlst.com.cn/jddz888-News-494241 (traditional script), converted one for one, are the same
   words; (c) the start of 第四条 (四) on the 2023-06-01 reprint
   (http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html) is the same words.
   Written as 0004/0009 do: the item's closing "；" / "。" left out; the half-width "," of 第四条 (一) (already
   seeded, kept) and "(构)" of 第十一条 (一) in the quotes written as the full-width "，" / "（构）" that the
   other items of the same text use. No character added, dropped or reordered otherwise.
   第一条, 第二条, 第十四条 (监控、报警、防护设施失效或者无效均判定为重大事故隐患) and 第十五条 are not items
   and are not seeded as clauses.
2. The industries each article is offered to (GB/T 4754 prefixes) are our mapping, not text of the standard:
   冶金 C31, 建材 C30, 机械 as 0009 (C33-C40, C43), 有色 C32, following 应急厅〔2019〕17号 as 0009 cites it.
   For 轻工, 纺织, 烟草 the 17号 text was not found; the prefixes are taken from the names of the GB/T 4754
   divisions and from the items themselves, kept wide rather than narrow (a clause missing for an enterprise
   blocks a major hazard; one too many only lengthens a list): 轻工 C13, C14, C15, C19-C24, C29, C305 and
   C3073/3074/3075/3076/3079 (日用玻璃、陶瓷, which 17号 takes out of 建材), C384 (电池), C41;
   纺织 C17, C18; 烟草 C16. Check them against 17号 and edit in the admin. 第十一条 to 第十三条 apply to any 工贸 enterprise where the risk
   exists (粉尘爆炸、液氨制冷、有限空间), whatever its industry: no prefix.
3. Clauses are renumbered (`ordinal`) in the published order, 第三条 to 第十三条.
"""

from django.db import migrations

MEM_10 = ("MEM-ORDER-10", 1)
MEM_10_SOURCE = (
    "中华人民共和国应急管理部令第10号(应急管理部 https://www.mem.gov.cn/gk/zfxxgkpt/fdzdgknr/gz11/202305/"
    "t20230523_451578.shtml)。第三条至第十三条全部64项;文本取自 GitHub An-0726/safety-basis "
    "knowledge/clauses/C_PDDB_3.json 至 C_PDDB_13.json(注明出处为上述应急管理部页面);"
    "其中第三条、第四条(一)至(三)、第六条、第七条(一)(二)与中国应急管理报全文转载逐字相同:2023-06-01 第04版 "
    "(http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html)、2023-06-22 第04版 "
    "(http://boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html)。"
)
METALLURGY = "C31"
NONFERROUS = "C32"
BUILDING_MATERIALS = "C30"
MACHINERY = "C33,C34,C35,C36,C37,C38,C39,C40,C43"
LIGHT_INDUSTRY = "C13,C14,C15,C19,C20,C21,C22,C23,C24,C29,C305,C3073,C3074,C3075,C3076,C3079,C384,C41"
TEXTILES = "C17,C18"
TOBACCO = "C16"
SPECIAL_FIELD = ""

# (number, text, industry codes) in the published order; None: keep the text 0004/0009 seeded.
MEM_10_CLAUSES = [
    ("第三条第（一）项", None, ""),
    ("第三条第（二）项", None, ""),
    ("第三条第（三）项", None, ""),
    ("第四条第（一）项", None, METALLURGY),
    ("第四条第（二）项", None, METALLURGY),
    ("第四条第（三）项", None, METALLURGY),
    (
        "第四条第（四）项",
        "转炉、电弧炉、AOD炉、LF炉、RH炉、VOD炉等炼钢炉的水冷元件未设置出水温度、进出水流量差等监测报警"
        "装置，或者监测报警装置未与炉体倾动、氧（副）枪自动提升、电极自动断电和升起装置联锁的",
        METALLURGY,
    ),
    (
        "第四条第（五）项",
        "高炉生产期间炉顶工作压力设定值超过设计文件规定的最高工作压力，或者炉顶工作压力监测装置未与炉顶放散阀联锁"
        "，或者炉顶放散阀的联锁放散压力设定值超过设备设计压力值的",
        METALLURGY,
    ),
    (
        "第四条第（六）项",
        "煤气生产、回收净化、加压混合、储存、使用设施附近的会议室、活动室、休息室、操作室、交接班室、更衣室等6类"
        "人员聚集场所，以及可能发生煤气泄漏、积聚的场所和部位未设置固定式一氧化碳浓度监测报警装置，或者监测数据未"
        "接入24小时有人值守场所的",
        METALLURGY,
    ),
    (
        "第四条第（七）项",
        "加热炉、煤气柜、除尘器、加压机、烘烤器等设施，以及进入车间前的煤气管道未安装隔断装置的",
        METALLURGY,
    ),
    (
        "第四条第（八）项",
        "正压煤气输配管线水封式排水器的最高封堵煤气压力小于30kPa，或者同一煤气管道隔断装置的两侧共用一个排水"
        "器，或者不同煤气管道排水器上部的排水管连通，或者不同介质的煤气管道共用一个排水器的",
        METALLURGY,
    ),
    (
        "第五条第（一）项",
        "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集场所设置在熔融金属吊运跨的地坪区"
        "域内的",
        NONFERROUS,
    ),
    (
        "第五条第（二）项",
        "生产期间冶炼、精炼、铸造生产区域的事故坑、炉下渣坑，以及熔融金属泄漏、喷溅影响范围内的炉前平台、炉基区域"
        "、厂房内吊运和地面运输通道等6类区域存在非生产性积水的",
        NONFERROUS,
    ),
    (
        "第五条第（三）项",
        "熔融金属铸造环节未设置紧急排放和应急储存设施的（倾动式熔炼炉、倾动式保温炉、倾动式熔保一体炉、带保温炉的"
        "固定式熔炼炉除外）",
        NONFERROUS,
    ),
    (
        "第五条第（四）项",
        "采用水冷冷却的冶炼炉窑、铸造机（铝加工深井铸造工艺的结晶器除外）、加热炉未设置应急水源的",
        NONFERROUS,
    ),
    (
        "第五条第（五）项",
        "熔融金属冶炼炉窑的闭路循环水冷元件未设置出水温度、进出水流量差监测报警装置，或者开路水冷元件未设置进水流"
        "量、压力监测报警装置，或者未监测开路水冷元件出水温度的",
        NONFERROUS,
    ),
    (
        "第五条第（六）项",
        "铝加工深井铸造工艺的结晶器冷却水系统未设置进水压力、进水流量监测报警装置，或者监测报警装置未与快速切断阀"
        "、紧急排放阀、流槽断开装置联锁，或者监测报警装置未与倾动式浇铸炉控制系统联锁的",
        NONFERROUS,
    ),
    (
        "第五条第（七）项",
        "铝加工深井铸造工艺的浇铸炉铝液出口流槽、流槽与模盘（分配流槽）入口连接处未设置液位监测报警装置，或者固定"
        "式浇铸炉的铝液出口未设置机械锁紧装置的",
        NONFERROUS,
    ),
    (
        "第五条第（八）项",
        "铝加工深井铸造工艺的固定式浇铸炉的铝液流槽未设置紧急排放阀，或者流槽与模盘（分配流槽）入口连接处未设置快"
        "速切断阀（断开装置），或者流槽与模盘（分配流槽）入口连接处的液位监测报警装置未与快速切断阀（断开装置）、"
        "紧急排放阀联锁的",
        NONFERROUS,
    ),
    (
        "第五条第（九）项",
        "铝加工深井铸造工艺的倾动式浇铸炉流槽与模盘（分配流槽）入口连接处未设置快速切断阀（断开装置），或者流槽与"
        "模盘（分配流槽）入口连接处的液位监测报警装置未与浇铸炉倾动控制系统、快速切断阀（断开装置）联锁的",
        NONFERROUS,
    ),
    (
        "第五条第（十）项",
        "铝加工深井铸造机钢丝卷扬系统选用非钢芯钢丝绳，或者未落实钢丝绳定期检查、更换制度的",
        NONFERROUS,
    ),
    (
        "第五条第（十一）项",
        "可能发生一氧化碳、砷化氢、氯气、硫化氢等4种有毒气体泄漏、积聚的场所和部位未设置固定式气体浓度监测报警装"
        "置，或者监测数据未接入24小时有人值守场所，或者未对可能有砷化氢气体的场所和部位采取同等效果的检测措施的",
        NONFERROUS,
    ),
    (
        "第五条第（十二）项",
        "使用煤气（天然气）并强制送风的燃烧装置的燃气总管未设置压力监测报警装置，或者监测报警装置未与紧急自动切断"
        "装置联锁的",
        NONFERROUS,
    ),
    (
        "第五条第（十三）项",
        "正压煤气输配管线水封式排水器的最高封堵煤气压力小于30kPa，或者同一煤气管道隔断装置的两侧共用一个排水"
        "器，或者不同煤气管道排水器上部的排水管连通，或者不同介质的煤气管道共用一个排水器的",
        NONFERROUS,
    ),
    ("第六条第（一）项", None, BUILDING_MATERIALS),
    ("第六条第（二）项", None, BUILDING_MATERIALS),
    ("第六条第（三）项", None, BUILDING_MATERIALS),
    ("第六条第（四）项", None, BUILDING_MATERIALS),
    ("第六条第（五）项", None, BUILDING_MATERIALS),
    ("第六条第（六）项", None, BUILDING_MATERIALS),
    ("第六条第（七）项", None, BUILDING_MATERIALS),
    ("第六条第（八）项", None, BUILDING_MATERIALS),
    ("第七条第（一）项", None, MACHINERY),
    ("第七条第（二）项", None, MACHINERY),
    (
        "第七条第（三）项",
        "生产期间铸造用熔炼炉、精炼炉、保温炉的炉底、炉坑和事故坑，以及熔融金属泄漏、喷溅影响范围内的炉前平台、炉"
        "基区域、造型地坑、浇注作业坑和熔融金属转运通道等8类区域存在积水的",
        MACHINERY,
    ),
    (
        "第七条第（四）项",
        "铸造用熔炼炉、精炼炉、压铸机、氧枪的冷却水系统未设置出水温度、进出水流量差监测报警装置，或者监测报警装置"
        "未与熔融金属加热、输送控制系统联锁的",
        MACHINERY,
    ),
    (
        "第七条第（五）项",
        "使用煤气（天然气）的燃烧装置的燃气总管未设置管道压力监测报警装置，或者监测报警装置未与紧急自动切断装置联"
        "锁，或者燃烧装置未设置火焰监测和熄火保护系统的",
        MACHINERY,
    ),
    (
        "第七条第（六）项",
        "使用可燃性有机溶剂清洗设备设施、工装器具、地面时，未采取防止可燃气体在周边密闭或者半密闭空间内积聚措施的",
        MACHINERY,
    ),
    ("第七条第（七）项", "使用非水性漆的调漆间、喷漆室未设置固定式可燃气体浓度监测报警装置或者通风设施的", MACHINERY),
    ("第八条第（一）项", "食品制造企业烘制、油炸设备未设置防过热自动切断装置的", LIGHT_INDUSTRY),
    (
        "第八条第（二）项",
        "白酒勾兑、灌装场所和酒库未设置固定式乙醇蒸气浓度监测报警装置，或者监测报警装置未与通风设施联锁的",
        LIGHT_INDUSTRY,
    ),
    ("第八条第（三）项", "纸浆制造、造纸企业使用蒸气、明火直接加热钢瓶汽化液氯的", LIGHT_INDUSTRY),
    (
        "第八条第（四）项",
        "日用玻璃、陶瓷制造企业采用预混燃烧方式的燃气窑炉（热发生炉煤气窑炉除外）的燃气总管未设置管道压力监测报警"
        "装置，或者监测报警装置未与紧急自动切断装置联锁的",
        LIGHT_INDUSTRY,
    ),
    ("第八条第（五）项", "日用玻璃制造企业玻璃窑炉的冷却保护系统未设置监测报警装置的", LIGHT_INDUSTRY),
    (
        "第八条第（六）项",
        "使用非水性漆的调漆间、喷漆室未设置固定式可燃气体浓度监测报警装置或者通风设施的",
        LIGHT_INDUSTRY,
    ),
    ("第八条第（七）项", "锂离子电池储存仓库未对故障电池采取有效物理隔离措施的", LIGHT_INDUSTRY),
    (
        "第九条第（一）项",
        "纱、线、织物加工的烧毛、开幅、烘干等热定型工艺的汽化室、燃气贮罐、储油罐、热媒炉，未与生产加工等人员聚集"
        "场所隔开或者单独设置的",
        TEXTILES,
    ),
    (
        "第九条第（二）项",
        "保险粉、双氧水、次氯酸钠、亚氯酸钠、雕白粉（吊白块）与禁忌物料混合储存，或者保险粉储存场所未采取防水防潮"
        "措施的",
        TEXTILES,
    ),
    (
        "第十条第（一）项",
        "熏蒸作业场所未配备磷化氢气体浓度监测报警仪器，或者未配备防毒面具，或者熏蒸杀虫作业前未确认无关人员全部撤"
        "离熏蒸作业场所的",
        TOBACCO,
    ),
    (
        "第十条第（二）项",
        "使用液态二氧化碳制造膨胀烟丝的生产线和场所未设置固定式二氧化碳浓度监测报警装置，或者监测报警装置未与事故"
        "通风设施联锁的",
        TOBACCO,
    ),
    (
        "第十一条第（一）项",
        "粉尘爆炸危险场所设置在非框架结构的多层建（构）筑物内，或者粉尘爆炸危险场所内设有员工宿舍、会议室、办公室"
        "、休息室等人员聚集场所的",
        SPECIAL_FIELD,
    ),
    (
        "第十一条第（二）项",
        "不同类别的可燃性粉尘、可燃性粉尘与可燃气体等易加剧爆炸危险的介质共用一套除尘系统，或者不同建（构）筑物、"
        "不同防火分区共用一套除尘系统、除尘系统互联互通的",
        SPECIAL_FIELD,
    ),
    ("第十一条第（三）项", "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施的", SPECIAL_FIELD),
    (
        "第十一条第（四）项",
        "铝镁等金属粉尘除尘系统采用正压除尘方式，或者其他可燃性粉尘除尘系统采用正压吹送粉尘时，未采取火花探测消除"
        "等防范点燃源措施的",
        SPECIAL_FIELD,
    ),
    ("第十一条第（五）项", "除尘系统采用重力沉降室除尘，或者采用干式巷道式构筑物作为除尘风道的", SPECIAL_FIELD),
    ("第十一条第（六）项", "铝镁等金属粉尘、木质粉尘的干式除尘系统未设置锁气卸灰装置的", SPECIAL_FIELD),
    ("第十一条第（七）项", "除尘器、收尘仓等划分为20区的粉尘爆炸危险场所电气设备不符合防爆要求的", SPECIAL_FIELD),
    (
        "第十一条第（八）项",
        "粉碎、研磨、造粒等易产生机械点燃源的工艺设备前，未设置铁、石等杂物去除装置，或者木制品加工企业与砂光机连"
        "接的风管未设置火花探测消除装置的",
        SPECIAL_FIELD,
    ),
    (
        "第十一条第（九）项",
        "遇湿自燃金属粉尘收集、堆放、储存场所未采取通风等防止氢气积聚措施，或者干式收集、堆放、储存场所未采取防水"
        "、防潮措施的",
        SPECIAL_FIELD,
    ),
    ("第十一条第（十）项", "未落实粉尘清理制度，造成作业现场积尘严重的", SPECIAL_FIELD),
    ("第十二条第（一）项", "包装、分割、产品整理场所的空调系统采用氨直接蒸发制冷的", SPECIAL_FIELD),
    (
        "第十二条第（二）项",
        "快速冻结装置未设置在单独的作业间内，或者快速冻结装置作业间内作业人员数量超过9人的",
        SPECIAL_FIELD,
    ),
    ("第十三条第（一）项", "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的", SPECIAL_FIELD),
    (
        "第十三条第（二）项",
        "未落实有限空间作业审批，或者未执行“先通风、再检测、后作业”要求，或者作业现场未设置监护人员的",
        SPECIAL_FIELD,
    ),
]
NEW_NUMBERS = [number for number, text, _codes in MEM_10_CLAUSES if text is not None]


def seed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    mem10 = Standard.objects.filter(code=MEM_10[0], version=MEM_10[1]).first()
    if mem10 is None:
        return
    mem10.source = MEM_10_SOURCE
    mem10.save(update_fields=["source"])
    for ordinal, (number, text, codes) in enumerate(MEM_10_CLAUSES, start=1):
        defaults = {"ordinal": ordinal, "industry_codes": codes}
        if text is not None:
            defaults["text"] = text
        if text is None and not Clause.objects.filter(standard=mem10, number=number).exists():
            continue  # an earlier clause removed in the admin: not ours to bring back
        Clause.objects.update_or_create(standard=mem10, number=number, defaults=defaults)


def unseed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    standards = Standard.objects.filter(code=MEM_10[0], version=MEM_10[1])
    Clause.objects.filter(standard__in=standards, number__in=NEW_NUMBERS, hazards__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0010_hazard_event_classify")]

    operations = [migrations.RunPython(seed, unseed)]
