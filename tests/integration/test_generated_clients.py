"""Issue 18: clients generated from /api/schema/ work out of the box.

A Python client (openapi-python-client, requirements-dev.txt) runs the phone's core flow against a
live server; TypeScript types (openapi-typescript, pinned in tests/integration/clients/package.json,
installed by .ci/run with `npm ci`) are generated and type-checked. Both generators must not warn,
except that they cannot type binary downloads (qr.png, .xlsx, .pdf).
"""

import importlib
import io
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from checklists.models import HazardGrade, Inspection, ItemKind
from hazards.models import Hazard
from orgs.models import Role
from tests import factories
from tests.checklists.conftest import jpeg_bytes
from tests.conftest import require_service

GENERATOR_SUMMARY = "Warning(s) encountered while generating. Client was generated, but some pieces may be missing"
CLIENTS_DIR = Path(__file__).resolve().parent / "clients"
# The one kind of warning allowed: a response the generator cannot type because it is a file.
BINARY_WARNING = re.compile(
    r"Unsupported content_type (image/png|image/jpeg|image/svg\+xml|application/pdf|application/vnd\.)"
)


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def python_client(schema_file, tmp_path_factory):
    """The package openapi-python-client generates, imported from a temporary folder."""
    generator = Path(sys.executable).parent / "openapi-python-client"
    require_service(generator.exists(), "needs openapi-python-client (pip install -r requirements-dev.txt)")
    out = tmp_path_factory.mktemp("client")
    env = os.environ | {"PATH": f"{generator.parent}{os.pathsep}{os.environ['PATH']}"}  # it runs ruff from PATH
    result = subprocess.run(
        [generator, "generate", "--path", schema_file, "--meta", "none", "--output-path", out / "mingbai_client"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = (result.stdout + result.stderr).replace(GENERATOR_SUMMARY, "")
    problems = [
        block
        for block in re.split(r"\n\s*\n", output)
        if re.search(r"warning|error|cannot|unable", block, re.I)
        and not BINARY_WARNING.search(block)
        and not re.fullmatch(r"\s*WARNING parsing [A-Z]+ \S+ within \w+\.\s*", block)
        and not block.lstrip().startswith("{")  # the response object a binary warning shows
    ]
    assert problems == []
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module("mingbai_client")
        importlib.import_module("mingbai_client.api")
        importlib.import_module("mingbai_client.models")
        yield package
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "mingbai_client" or n.startswith("mingbai_client.")]:
            del sys.modules[name]


def operation(package, operation_id: str):
    """The generated module of an operation, whatever tag folder it was put in."""
    for module in pkgutil.walk_packages(package.api.__path__, package.api.__name__ + "."):
        if module.name.rsplit(".", 1)[-1] == operation_id:
            return importlib.import_module(module.name)
    raise LookupError(operation_id)


def test_every_generated_operation_module_imports(python_client):
    modules = list(pkgutil.walk_packages(python_client.api.__path__, python_client.api.__name__ + "."))
    assert len(modules) > 100
    for module in modules:
        importlib.import_module(module.name)


@pytest.fixture
def site(transactional_db):
    enterprise = factories.EnterpriseFactory()
    post = factories.PostFactory(enterprise=enterprise, name="反应釜操作岗")
    worker = factories.MembershipFactory(enterprise=enterprise, role=Role.WORKER).person
    post.holders.add(worker)
    officer = factories.MembershipFactory(enterprise=enterprise, role=Role.SAFETY_OFFICER).person
    template = factories.TemplateFactory(enterprise=enterprise, posts=[post], name="反应釜岗位日检")
    factories.ItemFactory(template=template, label="阀门无泄漏")
    factories.ItemFactory(template=template, label="压力", kind=ItemKind.NUMBER, min_value=0, max_value=2)
    factories.ItemFactory(
        template=template, label="联锁系统有效", photo_on_fail=True, hazard_grade_on_fail=HazardGrade.MAJOR
    )
    token = factories.QrTokenFactory(post=post)
    return {"enterprise": enterprise, "post": post, "worker": worker, "officer": officer, "token": token.token}


def login(package, base_url: str, username: str):
    from tests.factories import PASSWORD

    body = operation(package, "v1_auth_token_create")
    models = package.models
    answer = body.sync_detailed(
        client=package.Client(base_url=base_url),
        body=models.TokenObtainPairRequest(username=username, password=PASSWORD),
    )
    assert answer.status_code == 200, answer.content
    return package.AuthenticatedClient(base_url=base_url, token=json.loads(answer.content)["access"])


def test_the_phone_flow_through_the_generated_python_client(python_client, live_server, site):
    package, models = python_client, python_client.models
    from mingbai_client.types import File

    worker = login(package, live_server.url, site["worker"].username)

    me = operation(package, "v1_me_retrieve").sync(client=worker)
    assert [p.id for p in me.posts_held] == [site["post"].id]

    scan = operation(package, "v1_scan_retrieve").sync_detailed(site["token"], client=worker)
    assert scan.status_code == 200, scan.content
    assert scan.parsed.post.id == site["post"].id

    due = operation(package, "v1_posts_due_list").sync(site["post"].id, client=worker)
    daily = next(row for row in due if row.tier == "daily")
    assert daily.status == "due"

    template = operation(package, "v1_templates_retrieve").sync(daily.template.id, client=worker)
    items = {item.label: item for item in template.items}

    photo = operation(package, "v1_photos_create").sync_detailed(
        client=worker,
        body=models.PhotoUploadRequest(
            client_uuid=uuid.uuid4(),
            image=File(payload=io.BytesIO(jpeg_bytes()), file_name="p.jpg", mime_type="image/jpeg"),
        ),
    )
    assert photo.status_code == 201, photo.content

    submit = operation(package, "v1_inspections_create")
    body = models.InspectionSubmitRequest(
        client_uuid=uuid.uuid4(),
        template=template.id,
        post=site["post"].id,
        started_at=timezone.now() - timedelta(minutes=2),
        scan_token=site["token"],
        results=[
            models.InspectionResultInputRequest(item=items["阀门无泄漏"].id, value="ok"),
            models.InspectionResultInputRequest(item=items["压力"].id, value=1.2),
            models.InspectionResultInputRequest(
                item=items["联锁系统有效"].id, value="not_ok", note="联锁失效", photos=[photo.parsed.id]
            ),
        ],
    )
    first = submit.sync_detailed(client=worker, body=body)
    assert first.status_code == 201, first.content
    assert first.parsed.summary.failed == 1 and len(first.parsed.hazards) == 1
    replay = submit.sync_detailed(client=worker, body=body)
    assert replay.status_code == 200, replay.content
    assert replay.parsed.id == first.parsed.id
    assert Inspection.objects.count() == 1

    report = operation(package, "v1_hazards_create").sync_detailed(
        client=worker,
        body=models.HazardReportRequest(
            enterprise=site["enterprise"].id, grade=models.HazardGradeEnum("general"), description="消防通道堆放杂物"
        ),
    )
    assert report.status_code == 201, report.content

    officer = login(package, live_server.url, site["officer"].username)
    assigned = operation(package, "v1_hazards_assign_create").sync_detailed(
        report.parsed.id,
        client=officer,
        body=models.HazardAssignRequest(responsible=site["worker"].id, deadline=timezone.now() + timedelta(days=3)),
    )
    assert assigned.status_code == 200, assigned.content
    assert Hazard.objects.get(pk=report.parsed.id).status == "rectifying"


def test_typescript_types_generate_and_type_check(schema_file, tmp_path):
    cli = CLIENTS_DIR / "node_modules" / ".bin" / "openapi-typescript"
    tsc = CLIENTS_DIR / "node_modules" / ".bin" / "tsc"
    require_service(
        cli.exists() and tsc.exists() and shutil.which("node") is not None,
        f"needs openapi-typescript: run `npm ci --prefix {CLIENTS_DIR.relative_to(Path.cwd())}` (.ci/run does)",
    )
    types = tmp_path / "mingbai.d.ts"
    # --default-non-nullable=false: a request field with a default stays optional (the README's command).
    command = [cli, schema_file, "--default-non-nullable=false", "-o", types]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"warn|error", result.stdout + result.stderr, re.I), result.stdout + result.stderr
    usage = tmp_path / "usage.ts"
    usage.write_text(
        'import type { paths, components } from "./mingbai";\n'
        'type Submit = paths["/api/v1/inspections/"]["post"]["requestBody"]["content"]["application/json"];\n'
        'const body: Submit = { client_uuid: "0b1c", template: 1, post: 2, started_at: "2024-07-03T08:00:00Z",'
        ' results: [{ item: 3, value: "ok" }] };\n'
        'type Error = components["schemas"]["Error"];\n'
        'const error: Error = { code: "invalid", message: "m", field: null, errors: [] };\n'
        "export { body, error };\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        [tsc, "--noEmit", "--strict", "--skipLibCheck", usage], capture_output=True, text=True, timeout=300
    )
    assert check.returncode == 0, check.stdout + check.stderr
