"""Factories for the test worlds; every test builds its data from here."""

import datetime
import random
import string

import factory
from django.utils import timezone

from cards.models import Card, Drill, KnowledgeQuestion, QuestionKind, SpotCheck
from checklists.models import (
    ArchiveHead,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    ItemKind,
    TemplateAssignment,
    Tier,
)
from checklists.periods import period_kind_for, period_of
from checklists.tallies import tally_inspection
from hazards.models import Hazard
from orgs.models import (
    Certificate,
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
    Role,
)
from orgs.validators import CREDIT_CODE_CHARS, credit_code_check_char

PASSWORD = "test-password-123"
HISTORY_START = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # see TemplateFactory.posts


def make_credit_code(seed: int) -> str:
    rng = random.Random(seed)
    first17 = "91" + "420700" + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    return first17 + credit_code_check_char(first17)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "420700"
    name = "鄂州市"


class IndustryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "C26"
    name = "化学原料和化学制品制造业"
    high_risk = True


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(make_credit_code)
    region = factory.SubFactory(RegionFactory)
    industry = factory.SubFactory(IndustryFactory)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"车间{n}")


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"岗位{n}")
    risk_level = "orange"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"张{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = Role.WORKER


class RegulatorScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegulatorScope

    person = factory.SubFactory(PersonFactory)
    region = factory.SubFactory(RegionFactory)


class QrTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostQrToken

    post = factory.SubFactory(PostFactory)
    token = factory.LazyFunction(lambda: "".join(random.choices(string.ascii_letters + string.digits, k=12)))


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    post = factory.SubFactory(PostFactory)
    enterprise = factory.SelfAttribute("post.enterprise")
    duties = factory.LazyFunction(lambda: ["严格执行操作规程", "每班开展岗位安全检查"])
    hazards = factory.LazyFunction(lambda: [{"name": "火灾爆炸", "risk_level": "orange", "description": "易燃物料"}])
    controls = factory.LazyFunction(lambda: ["严禁烟火", "定期检测可燃气体浓度"])
    emergency_contacts = factory.LazyFunction(lambda: [{"name": "值班室", "phone": "0711-3200000"}])
    required_certificates = factory.LazyFunction(lambda: ["危险化学品安全作业证"])
    ppe = factory.LazyFunction(lambda: ["安全帽", "防护手套"])
    operating_rules = factory.LazyFunction(lambda: ["开机前检查设备"])


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistTemplate
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"日常检查表{n}")
    tier = Tier.DAILY

    @factory.post_generation
    def posts(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.posts.add(*extracted)
            # The world a test builds today stands for one that existed before its archive (records made
            # years ago with time_machine): the template applied to these posts from long ago
            # (checklists.expected). Tests of the history itself move valid_from.
            TemplateAssignment.objects.filter(template=obj).update(valid_from=HISTORY_START)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    template = factory.SubFactory(TemplateFactory)
    order = factory.Sequence(lambda n: n)
    label = factory.Sequence(lambda n: f"检查项{n}")
    kind = ItemKind.CHECK


# ---------------------------------------------------------------------------------------------
# Archive rows written directly (statistics tests): the hash chain is not what they test.


def _period_key(inspection) -> str:
    enterprise = inspection.enterprise
    kind = period_kind_for(inspection.tier, high_risk=enterprise.industry.high_risk)
    return period_of(kind, inspection.at, enterprise.timezone).key


class InspectionFactory(factory.django.DjangoModelFactory):
    """A record of `template` on `post` made `at` (an aware instant); its period is the one of that
    instant in the enterprise's time zone unless `period` is given (a late record)."""

    class Meta:
        model = Inspection
        exclude = ("at",)

    at = factory.LazyFunction(timezone.now)
    post = factory.SubFactory(PostFactory)
    enterprise = factory.SelfAttribute("post.enterprise")
    template = factory.SubFactory(TemplateFactory, enterprise=factory.SelfAttribute("..enterprise"))
    tier = factory.SelfAttribute("template.tier")
    period = factory.LazyAttribute(_period_key)
    client_uuid = factory.Faker("uuid4")
    started_at = factory.SelfAttribute("at")
    received_at = factory.SelfAttribute("at")
    submitted_by = factory.SubFactory(PersonFactory)
    on_site = True
    late = False
    ok_count = 10
    failed_count = 0
    na_count = 0
    request_hash = "0" * 64
    sequence = factory.Sequence(lambda n: n + 1)
    prev_hash = ""
    hash = "0" * 64
    # As inspection_submit sets it (its query under the archive lock): the slot (post, template, period)
    # has no first record yet. tests/checklists/test_tallies.py checks the two agree.
    first_of_slot = factory.LazyAttribute(
        lambda o: (
            not Inspection.objects.filter(
                post=o.post, template=o.template, period=o.period, first_of_slot=True
            ).exists()
        )
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As inspection_submit does: every record (and a slot's first as a check done) is counted on the
        # archive head.
        inspection = super()._create(model_class, *args, **kwargs)
        head, _ = ArchiveHead.objects.get_or_create(enterprise_id=inspection.enterprise_id)
        tally_inspection(head.slot_tallies, inspection)
        head.save(update_fields=["slot_tallies"])
        return inspection


class HazardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hazard

    enterprise = factory.SubFactory(EnterpriseFactory)
    grade = "general"
    description = "消防通道堵塞"
    source = "ad_hoc"
    found_by = factory.SubFactory(PersonFactory)
    found_at = factory.LazyFunction(timezone.now)
    status = "open"


class SpotCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotCheck

    enterprise = factory.SubFactory(EnterpriseFactory)
    person = factory.SubFactory(PersonFactory)
    started_by = factory.SelfAttribute("person")
    started_at = factory.SelfAttribute("finished_at")
    finished_at = factory.LazyFunction(timezone.now)
    question_count = 10
    correct_count = 8


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeQuestion

    card = factory.SubFactory(CardFactory)
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"应知应会题目{n}")
    options = factory.LazyFunction(lambda: ["关闭阀门", "继续作业", "离开现场"])
    answer = factory.LazyFunction(lambda: [0])


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drill

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"五步法演练{n}")
    done_on = None  # planned, not yet done
    planned_on = factory.LazyAttribute(lambda drill: drill.done_on or datetime.date(2024, 9, 20))


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    enterprise = factory.SubFactory(EnterpriseFactory)
    person = factory.SubFactory(PersonFactory)
    kind = factory.LazyFunction(lambda: CertificateKind.objects.get(code="SO-09"))
    number = factory.Sequence(lambda n: f"T42070019800101{n:04d}")
    issued_on = factory.LazyFunction(lambda: datetime.date(2022, 3, 1))
    expires_on = factory.LazyFunction(lambda: datetime.date(2028, 2, 29))
