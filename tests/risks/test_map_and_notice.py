"""The four-colour map (SVG, page, PDF) and the 风险告知卡 PDF: read back, the QR decoded."""

from io import BytesIO
from xml.etree import ElementTree as ET

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from risks.models import SitePlan
from risks.services import assessment_create
from tests.qr.conftest import decode
from tests.risks.conftest import make_control, make_point, make_source

SVG = "{http://www.w3.org/2000/svg}"


def png(size=(400, 300), color=(230, 230, 230)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def graded(world, name, likelihood, severity, x, y):
    point = make_point(world.enterprise, name, plan_x=x, plan_y=y)
    data = {"method": "LS", "likelihood": likelihood, "severity": severity}
    assessment_create(by=world.officer, risk_point=point, data=data)
    return point


def test_a_safety_manager_uploads_the_site_plan(api, world):
    url = f"/api/v1/enterprises/{world.enterprise.id}/site-plan/"
    upload = SimpleUploadedFile("plan.png", png(), "image/png")
    response = api.as_(world.officer).put(url, {"image": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["width"] == 400 and SitePlan.objects.get().height == 300
    bad = SimpleUploadedFile("plan.png", b"not an image", "image/png")
    response = api.as_(world.officer).put(url, {"image": bad}, format="multipart")
    assert response.status_code == 400 and response.json()["field"] == "image"
    upload = SimpleUploadedFile("plan.png", png(), "image/png")
    assert api.as_(world.worker).put(url, {"image": upload}, format="multipart").status_code == 403


def test_the_map_colours_each_placed_point_by_its_grade(api, world):
    SitePlan.objects.create(
        enterprise=world.enterprise, image=SimpleUploadedFile("p.png", png()), width=400, height=300
    )
    graded(world, "罐区", 5, 5, 0.25, 0.5)
    graded(world, "配电室", 1, 2, 0.75, 0.1)
    make_point(world.enterprise, "仓库<script>", plan_x=0.5, plan_y=0.5)  # placed, not assessed
    make_point(world.enterprise, "未放置")  # not on the plan
    response = api.as_(world.worker).get(f"/api/v1/enterprises/{world.enterprise.id}/risk-map.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    groups = root.findall(f"{SVG}g")
    found = {g.find(f"{SVG}text").text: (g.get("data-level"), g.find(f"{SVG}circle")) for g in groups}
    assert set(found) == {"罐区", "配电室", "仓库<script>"}
    assert found["罐区"][0] == "red" and found["罐区"][1].get("fill") == "#E60012"
    assert found["配电室"][1].get("fill") == "#0068B7"
    assert (found["罐区"][1].get("cx"), found["罐区"][1].get("cy")) == ("100.0", "150.0")
    assert found["仓库<script>"][1].get("fill") == "#9E9E9E"
    assert root.find(f"{SVG}image").get("href").startswith("data:image/png;base64,")


def test_the_map_pdf_has_the_points_and_the_legend(api, world):
    graded(world, "罐区", 5, 5, 0.25, 0.5)
    response = api.as_(world.regulator).get(f"/api/v1/enterprises/{world.enterprise.id}/risk-map.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "安全风险四色分布图" in text and "罐区" in text and "重大风险" in text


def test_the_map_page_shows_the_svg(client, world):
    graded(world, "罐区", 5, 5, 0.25, 0.5)
    client.force_login(world.officer)
    response = client.get(f"/m/risk-map/{world.enterprise.id}/")
    assert response.status_code == 200
    assert b'data-level="red"' in response.content and "罐区".encode() in response.content
    client.force_login(world.outsider)
    assert client.get(f"/m/risk-map/{world.enterprise.id}/").status_code == 404


def test_the_notice_card_has_everything_and_its_qr_opens_the_points_page(api, world, client, settings):
    settings.PUBLIC_BASE_URL = "http://192.168.100.200:8000"
    point = graded(world, "1# 反应釜", 5, 5, 0.2, 0.2)
    point.emergency_steps = ["关闭进料阀", "沿上风向撤离"]
    point.owner_name, point.owner_phone = "张三", "13800000000"
    point.save()
    source = make_source(point, "反应失控超温超压", ["fire", "vessel_explosion"])
    make_control(source, world.post, measure="温度压力联锁投用")
    response = api.as_(world.worker).get(f"/api/v1/risk-points/{point.id}/notice.pdf")
    assert response.status_code == 200, response.content
    page = PdfReader(BytesIO(response.content)).pages[0]
    text = page.extract_text()
    for expected in (
        "安全风险告知卡",
        "1# 反应釜",
        "重大风险",
        "反应失控超温超压",
        "火灾、容器爆炸",
        "温度压力联锁投用",
    ):
        assert expected in text, expected
    assert "关闭进料阀" in text and "张三" in text
    images = list(page.images)
    assert len(images) == 1
    url = decode(Image.open(BytesIO(images[0].data))).text
    assert url == f"http://192.168.100.200:8000/r/{point.token}"
    # The page it opens is public, like the card on the wall.
    page = client.get(url.removeprefix("http://192.168.100.200:8000"))
    assert page.status_code == 200 and "温度压力联锁投用".encode() in page.content
    assert client.get("/r/not-a-token").status_code == 404
