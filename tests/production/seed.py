"""Seed a production test database (run in a subprocess with DATABASE_URL set): one enterprise, a post
with its QR token and daily checklist, a worker holding the post and a safety officer. Prints JSON."""

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
