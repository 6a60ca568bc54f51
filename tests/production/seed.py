"""Seed a production test database (run in a subprocess with DATABASE_URL set): one enterprise, a post
with its QR token and daily checklist, a worker holding the post and a safety officer; with an argument
N, also N records submitted through the API, each with a photo. Prints JSON."""

import json
import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from orgs.models import Role  # noqa: E402
from tests import factories  # noqa: E402

district = factories.RegionFactory(code="420704", name="鄂城区")
enterprise = factories.EnterpriseFactory(region=district)
post = factories.PostFactory(enterprise=enterprise)
worker = factories.MembershipFactory(enterprise=enterprise, role=Role.WORKER).person
post.holders.add(worker)
officer = factories.MembershipFactory(enterprise=enterprise, role=Role.SAFETY_OFFICER).person
template = factories.TemplateFactory(enterprise=enterprise, posts=[post], name="日检")
items = [factories.ItemFactory(template=template, label=f"检查项{i}") for i in range(3)]
token = factories.QrTokenFactory(post=post)
records = int(sys.argv[1]) if len(sys.argv) > 1 else 0
if records:
    import uuid
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(worker)
    for n in range(records):
        out = BytesIO()
        Image.new("RGB", (320, 240), (n * 40 % 256, 90, 160)).save(out, format="JPEG")
        image = SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")
        photo = api.post("/api/v1/photos/", {"client_uuid": str(uuid.uuid4()), "image": image}, format="multipart")
        assert photo.status_code == 201, photo.content
        results = [{"item": item.id, "value": "ok"} for item in items]
        results[0]["photos"] = [photo.json()["id"]]
        body = {
            "client_uuid": str(uuid.uuid4()),
            "template": template.id,
            "post": post.id,
            "started_at": timezone.now().isoformat(),
            "results": results,
        }
        stored = api.post("/api/v1/inspections/", body, format="json")
        assert stored.status_code == 201, stored.content
print(
    json.dumps(
        {
            "post": post.id,
            "template": template.id,
            "items": [item.id for item in items],
            "worker": worker.username,
            "officer": officer.username,
            "password": factories.PASSWORD,
            "qr_token": token.token,
        }
    )
)
