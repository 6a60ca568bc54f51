"""The common certificate kinds: the special-operation categories of 《特种作业人员安全技术培训考核管理
规定》 (特种作业操作证) and the usual 特种设备作业人员证 items (TSG Z6001). Platform administrators add
others in the admin; removing this migration's rows is left to them (posts may require them)."""

from django.db import migrations

KINDS = [
    ("SO-01", "电工作业"),
    ("SO-02", "焊接与热切割作业"),
    ("SO-03", "高处作业"),
    ("SO-04", "制冷与空调作业"),
    ("SO-05", "煤矿安全作业"),
    ("SO-06", "金属非金属矿山安全作业"),
    ("SO-07", "石油天然气安全作业"),
    ("SO-08", "冶金(有色)生产安全作业"),
    ("SO-09", "危险化学品安全作业"),
    ("SO-10", "烟花爆竹安全作业"),
    ("SE-A", "特种设备安全管理"),
    ("SE-G1", "工业锅炉司炉"),
    ("SE-N1", "叉车司机"),
    ("SE-Q1", "起重机指挥"),
    ("SE-Q2", "起重机司机"),
    ("SE-R1", "快开门式压力容器操作"),
]


def seed(apps, schema_editor):
    CertificateKind = apps.get_model("orgs", "CertificateKind")
    for code, name in KINDS:
        CertificateKind.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_certificates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
