import uuid
from dataclasses import dataclass
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from checklists.models import ChecklistItem, ChecklistTemplate, HazardGrade, ItemKind, ScanEvent
from orgs.models import PostQrToken
from tests import factories


@dataclass
class Daily:
    template: ChecklistTemplate
    extinguisher: ChecklistItem  # check, photo on fail, major hazard on fail
    gas: ChecklistItem  # number 0..25 %LEL
    remark: ChecklistItem  # optional text
    valve: ChecklistItem  # check


@pytest.fixture
def daily(world) -> Daily:
    template = factories.TemplateFactory(enterprise=world.enterprise, posts=[world.post], name="反应釜岗位日检")
    extinguisher = factories.ItemFactory(
        template=template, label="灭火器压力正常", photo_on_fail=True, hazard_grade_on_fail=HazardGrade.MAJOR
    )
    gas = factories.ItemFactory(
        template=template, label="可燃气体浓度", kind=ItemKind.NUMBER, min_value=0, max_value=25
    )
    gas.unit = "%LEL"
    gas.save()
    remark = factories.ItemFactory(template=template, label="其他情况", kind=ItemKind.TEXT, required=False)
    valve = factories.ItemFactory(template=template, label="阀门无泄漏")
    return Daily(template, extinguisher, gas, remark, valve)


def submission(daily: Daily, post, **overrides) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "template": daily.template.id,
        "post": post.id,
        "started_at": timezone.now().isoformat(),
        "results": [
            {"item": daily.extinguisher.id, "value": "ok"},
            {"item": daily.gas.id, "value": 3.5},
            {"item": daily.remark.id, "value": "一切正常"},
            {"item": daily.valve.id, "value": "ok"},
        ],
    }
    body.update(overrides)
    return body


def scan_event(person, post, *, at=None) -> ScanEvent:
    """A scan of `post`'s code by `person` (at `at`, default now), as POST /scan/{token}/ records it."""
    token = PostQrToken.objects.filter(post=post, revoked_at__isnull=True).first() or factories.QrTokenFactory(
        post=post
    )
    return ScanEvent.objects.create(person=person, post=post, token=token, scanned_at=at or timezone.now())


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()
