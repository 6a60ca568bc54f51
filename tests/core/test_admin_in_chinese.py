"""The admin speaks Chinese (issue 14): no English model names, no "object (N)", photos as thumbnails."""

import re
import uuid

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from checklists.services import photo_upload
from tests import factories
from tests.checklists.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
OURS = {"orgs", "risks", "cards", "checklists", "hazards", "reports", "qr", "core", "mobile"}


def test_every_model_of_ours_has_chinese_names_and_a_str():
    for model in apps.get_models():
        if model._meta.app_label not in OURS:
            continue
        assert CJK.search(str(model._meta.verbose_name)), model
        assert CJK.search(str(model._meta.verbose_name_plural)), model
        assert any("__str__" in vars(k) for k in model.__mro__ if k.__module__.split(".")[0] in OURS), model


def test_the_photo_admin_shows_thumbnails(client, world):
    admin = factories.PersonFactory(is_staff=True, is_superuser=True)
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg")
    photo, _ = photo_upload(by=world.worker, client_uuid=uuid.uuid4(), upload=upload)
    hazard = factories.HazardFactory(enterprise=world.enterprise, found_by=world.worker)
    hazard.photos.add(photo)
    client.force_login(admin)
    html = client.get("/admin/checklists/photo/").content.decode()
    assert f'<img src="/m/photos/{photo.id}.jpg"' in html and "缩略图" in html
    html = client.get(f"/admin/checklists/photo/{photo.id}/change/").content.decode()
    assert f"照片 #{photo.id}" in html and "object (" not in html
    assert client.get(f"/m/photos/{photo.id}.jpg")["Content-Type"] == "image/jpeg"
