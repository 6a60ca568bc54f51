"""Seed more clauses of 《工贸企业重大事故隐患判定标准》(应急管理部令第10号), and name the sources of the
化工 standard's items 十五 to 二十 and of its date (issue 16). 0004 is applied in deployments; this
migration only adds and renumbers. Never add a clause here without the published text in front of you.

1. 应急管理部令第10号 (adds 11 clauses; with 0004's 5 there are 16):
   - 第四条 (冶金企业) items (一) to (三): 中国应急管理报 2023年06月01日 第04版 "工贸企业重大事故隐患判定
     标准(中华人民共和国应急管理部令第10号)", http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html
     (the page, as stored, breaks off in the middle of item (四)). The simplified-script checklist
     "工贸企业重大事故隐患判定标准行业类检查表" at https://m.163wenku.com/p-7598017.html quotes items (一) and
     (二) in the same words.
   - 第六条 (建材企业) items (一) to (八), the whole article: 中国应急管理报 2023年06月22日 第04版,
     http://boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html (the page goes on with
     第七条 (一) and (二), as 0004 has them, and breaks off at the start of (三)).
   Both pages are in traditional characters. The texts below are the same characters converted to
   simplified script one for one (会/會, 炉/爐 ...; no character added, dropped or reordered; checked by
   script, same length, each changed character from an explicit table), with the stored pages' half-width
   "," "(" ")" written as the full-width "，" "（" "）" of the published text, and the item's closing
   "；" / "。" left out as 0004 does.
   NOT seeded, the text was not found: 第四条 from item (四) on; 第五条 (有色); 第七条 (机械) from item (三)
   on; 第八条 to 第十条 (轻工、纺织、烟草); 第十一条 to 第十三条 (粉尘爆炸、液氨制冷、有限空间). A stored page
   lists seven items on 铝加工深井铸造 in traditional script, but without its address or article
   number, so it is not seeded as 第五条.
   Clauses are renumbered (`ordinal`) in the published order: 第三条, 第四条, 第六条, 第七条.
2. The industries each clause is offered to (GB/T 4754 prefixes) are our mapping, not text of the standard,
   following 《冶金有色建材机械轻工纺织烟草商贸行业安全监管分类标准(试行)》(应急厅〔2019〕17号) as
   reprinted on a stored page (whose address the search did not give): 冶金 = 31 (C31); 建材 = 30 except
   305 and 3073/3074/3075/3076/3079 (C30 here; prefixes cannot leave those out, edit in the admin if an
   enterprise of those classes must not be offered them); 机械 = 33, 34, 35, 36, 37, 38, 39, 40, 43 (the page
   breaks off after "43金属制品、机…"): 0004 left 39 out of 第七条, added here.
3. 化工和危险化学品 standard (安监总管三〔2017〕121号): 0004 seeded all twenty items; the sources of items
   十五 to 二十 are now named: the repository liguangnanfeng/smaq, src/com/spring/web/controller/
   CompanyController_safety.java (the twenty items in order, the same words as 0004), and the SQL seed of
   another repository with the same six texts. The notice is dated 2017年11月13日 and takes effect on
   issue ("现印发给你们,请遵照执行"): https://www.3haojob.com/aj/164192261739.html reprints the notice with
   its date. 2017-11-13, 0004's date "from memory", stands; the source field now names these pages.
"""

from django.db import migrations

MEM_10 = ("MEM-ORDER-10", 1)
MEM_10_SOURCE = (
    "中华人民共和国应急管理部令第10号;全文转载:中国应急管理报 2023-06-01 第04版 "
    "(http://anzhuopai.com/szb/pc/col/202306/01/content_202904.html)、2023-06-22 第04版 "
    "(http://boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html)。"
    "已录入:第三条(一)至(三)、第四条(一)至(三)、第六条(一)至(八)、第七条(一)至(二);其余条款未找到全文,未录入。"
)
METALLURGY = "C31"
BUILDING_MATERIALS = "C30"
MACHINERY = "C33,C34,C35,C36,C37,C38,C39,C40,C43"

# (number, text, industry codes) in the published order; None: keep the text 0004 seeded.
MEM_10_CLAUSES = [
    ("第三条第（一）项", None, ""),
    ("第三条第（二）项", None, ""),
    ("第三条第（三）项", None, ""),
    (
        "第四条第（一）项",
        "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集场所，"
        "以及钢铁水罐冷（热）修工位设置在铁水、钢水、液渣吊运跨的地坪区域内的",
        METALLURGY,
    ),
    (
        "第四条第（二）项",
        "生产期间冶炼、精炼和铸造生产区域的事故坑、炉下渣坑，以及熔融金属泄漏和喷溅影响范围内的炉前平台、"
        "炉基区域、厂房内吊运和地面运输通道等6类区域存在积水的",
        METALLURGY,
    ),
    (
        "第四条第（三）项",
        "炼钢连铸流程未设置事故钢水罐、中间罐漏钢坑（槽）、中间罐溢流坑（槽）、漏钢回转溜槽，"
        "或者模铸流程未设置事故钢水罐（坑、槽）的",
        METALLURGY,
    ),
    (
        "第六条第（一）项",
        "煤磨袋式收尘器、煤粉仓未设置温度和固定式一氧化碳浓度监测报警装置，或者未设置气体灭火装置的",
        BUILDING_MATERIALS,
    ),
    ("第六条第（二）项", "筒型储库人工清库作业未落实清库方案中防止高处坠落、坍塌等安全措施的", BUILDING_MATERIALS),
    (
        "第六条第（三）项",
        "水泥企业电石渣原料筒型储库未设置固定式可燃气体浓度监测报警装置，或者监测报警装置未与事故通风装置联锁的",
        BUILDING_MATERIALS,
    ),
    (
        "第六条第（四）项",
        "进入筒型储库、焙烧窑、预热器旋风筒、分解炉、竖炉、篦冷机、磨机、破碎机前，未对可能意外启动的设备和涌入的"
        "物料、高温气体、有毒有害气体等采取隔离措施，或者未落实防止高处坠落、坍塌等安全措施的",
        BUILDING_MATERIALS,
    ),
    (
        "第六条第（五）项",
        "采用预混燃烧方式的燃气窑炉（热发生炉煤气窑炉除外）的燃气总管未设置管道压力监测报警装置，"
        "或者监测报警装置未与紧急自动切断装置联锁的",
        BUILDING_MATERIALS,
    ),
    (
        "第六条第（六）项",
        "制氢站、氮氢保护气体配气间、燃气配气间等3类场所未设置固定式可燃气体浓度监测报警装置的",
        BUILDING_MATERIALS,
    ),
    ("第六条第（七）项", "电熔制品电炉的水冷设备失效的", BUILDING_MATERIALS),
    ("第六条第（八）项", "玻璃窑炉、玻璃锡槽等设备未设置水冷和风冷保护系统的监测报警装置的", BUILDING_MATERIALS),
    ("第七条第（一）项", None, MACHINERY),
    ("第七条第（二）项", None, MACHINERY),
]
NEW_NUMBERS = [number for number, text, _codes in MEM_10_CLAUSES if text is not None]

CHEMICAL = ("AJZGS-2017-121", 1)
CHEMICAL_SOURCE = (
    "安监总管三〔2017〕121号(国家安全监管总局 2017年11月13日印发,见 https://www.3haojob.com/aj/164192261739.html);"
    "全文转载:https://shanxi.news.163.com/24/0822/08/JA6CSUIP04199ACH.html(第一至十四项)、"
    "中国应急管理报 2023-05-25 第04版 (http://anzhuopai.com/szb/pc/col/202305/25/content_202393.html)(第一至十四项);"
    "第十五至二十项:GitHub liguangnanfeng/smaq src/com/spring/web/controller/CompanyController_safety.java"
)


def seed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    mem10 = Standard.objects.filter(code=MEM_10[0], version=MEM_10[1]).first()
    if mem10 is not None:
        mem10.source = MEM_10_SOURCE
        mem10.save(update_fields=["source"])
        for ordinal, (number, text, codes) in enumerate(MEM_10_CLAUSES, start=1):
            defaults = {"ordinal": ordinal, "industry_codes": codes}
            if text is not None:
                defaults["text"] = text
            if text is None and not Clause.objects.filter(standard=mem10, number=number).exists():
                continue  # 0004's clause removed in the admin: not ours to bring back
            Clause.objects.update_or_create(standard=mem10, number=number, defaults=defaults)
    chemical = Standard.objects.filter(code=CHEMICAL[0], version=CHEMICAL[1]).first()
    if chemical is not None:
        chemical.source = CHEMICAL_SOURCE
        chemical.save(update_fields=["source"])


def unseed(apps, schema_editor):
    Standard = apps.get_model("hazards", "JudgmentStandard")
    Clause = apps.get_model("hazards", "JudgmentClause")
    standards = Standard.objects.filter(code=MEM_10[0], version=MEM_10[1])
    Clause.objects.filter(standard__in=standards, number__in=NEW_NUMBERS, hazards__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("hazards", "0008_hazard_event_labels")]

    operations = [migrations.RunPython(seed, unseed)]
