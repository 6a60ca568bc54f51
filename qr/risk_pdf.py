"""Printouts of the risk register: the 风险告知卡 of a risk point (A4, one per point, with a QR code to
the point's page) and the four-colour map (四色分布图, A4 landscape). Same font and colours as the post
cards (qr.cards_pdf); user text escaped."""

import io

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph, Spacer

from core.exports import pdf_font
from core.exports_safety import pdf_text
from orgs.models import Enterprise
from qr.cards_pdf import BAND, FONT, _styles
from qr.services import qr_png
from risks.map import COLOURS, LEGEND, map_points, site_plan_of
from risks.models import ControlLevel, RiskPoint

MARGIN = 12 * mm
QR_SIZE = 36 * mm
NOT_ASSESSED = ("#9E9E9E", "未评价", colors.white)


def risk_point_url(token: str) -> str:
    """What the notice card's QR code says: the point's public page."""
    url = f"{settings.PUBLIC_BASE_URL}/r/{token}"
    if not url.isascii():
        raise ValueError(f"PUBLIC_BASE_URL must be ASCII (use punycode for the host): {url!r}")
    return url


def _notice_flow(point: RiskPoint, styles) -> list:
    levels = dict(ControlLevel.choices)
    flow = [Spacer(1, 1)]

    def section(title, lines):
        if lines:
            flow.append(Paragraph(pdf_text(title), styles["heading"]))
            flow.extend(Paragraph("• " + pdf_text(line), styles["body"]) for line in lines)

    sources = list(point.sources.all())
    section("危险源", [s.name for s in sources])
    types = list(dict.fromkeys(label for s in sources for label in s.accident_type_labels()))
    section("可能导致的事故类型", ["、".join(types)] if types else [])
    controls = [
        f"{c.measure}({levels.get(c.level, c.level)}级" + (f",{c.owner_post.name}" if c.owner_post else "") + ")"
        for s in sources
        for c in s.controls.all()
        if c.active
    ]
    section("管控措施", controls)
    section("应急处置措施", [str(step) for step in point.emergency_steps or []])
    owner = "  ".join(part for part in (point.owner_name, point.owner_phone) if part)
    section("责任人", [owner] if owner else [])
    return flow


def _draw_notice(canvas: Canvas, point: RiskPoint, styles) -> None:
    width, height = A4
    fill, label, ink = BAND.get(point.level, NOT_ASSESSED)
    band = 34 * mm
    canvas.setFillColor(colors.HexColor(fill))
    canvas.rect(0, height - band, width, band, stroke=0, fill=1)
    canvas.setFillColor(ink)
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN, height - 10 * mm, point.enterprise.name)
    canvas.drawRightString(width - MARGIN, height - 10 * mm, "安全风险告知卡")
    canvas.setFont(FONT, 22)
    canvas.drawString(MARGIN, height - 23 * mm, point.name)
    canvas.setFont(FONT, 16)
    canvas.drawRightString(width - MARGIN, height - 23 * mm, label)
    canvas.setFont(FONT, 9)
    where = " / ".join(p for p in (point.department.name if point.department else "", point.location) if p)
    if where:
        canvas.drawString(MARGIN, height - 30 * mm, where)
    url = risk_point_url(point.token)
    canvas.drawImage(ImageReader(io.BytesIO(qr_png(url, size=400))), width - MARGIN - QR_SIZE, MARGIN, QR_SIZE, QR_SIZE)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, MARGIN + 12 * mm, "扫码查看风险点的危险源、管控措施和应急处置")
    canvas.setFont(FONT, 7)
    canvas.drawString(MARGIN, MARGIN + 6 * mm, url)
    canvas.setStrokeColor(colors.HexColor(fill))
    canvas.setLineWidth(2)
    canvas.rect(4 * mm, 4 * mm, width - 8 * mm, height - 8 * mm, stroke=1, fill=0)
    bottom = MARGIN + QR_SIZE + 3 * mm
    frame_height = height - band - bottom - 4 * mm
    frame = Frame(MARGIN, bottom, width - 2 * MARGIN, frame_height, showBoundary=0, leftPadding=0, rightPadding=0)
    flow = _notice_flow(point, styles)
    frame.addFromList([KeepInFrame(width - 2 * MARGIN, frame_height, flow, mode="shrink")], canvas)


def _canvas(out, pagesize, title: str) -> Canvas:
    pdf_font()
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1, initialFontName=FONT, initialFontSize=9)
    canvas.setTitle(title)
    canvas.setAuthor("mingbai")
    return canvas


def risk_notice_pdf(points: list[RiskPoint]) -> bytes:
    """One A4 notice card per point; the points come with enterprise, department, sources, controls
    and their owner posts loaded (risks.selectors.risk_points_visible_to)."""
    out = io.BytesIO()
    canvas = _canvas(out, A4, "安全风险告知卡")
    styles = _styles()
    styles = {**styles, "body": styles["body"].clone("notice", fontSize=11, leading=15)}
    styles["heading"] = styles["heading"].clone("notice-heading", fontSize=13, leading=17, spaceBefore=6)
    for point in points:
        _draw_notice(canvas, point, styles)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def risk_map_pdf(enterprise: Enterprise) -> bytes:
    """The four-colour map on A4 landscape: the site plan scaled to fit, each placed point a dot in
    its grade's colour with its name, the legend below."""
    out = io.BytesIO()
    width, height = landscape(A4)
    canvas = _canvas(out, (width, height), f"{enterprise.name} 安全风险四色分布图")
    canvas.setFont(FONT, 14)
    canvas.drawString(MARGIN, height - MARGIN - 4 * mm, f"{enterprise.name} 安全风险四色分布图")
    plan = site_plan_of(enterprise)
    plan_w, plan_h = (plan.width, plan.height) if plan else (1000, 700)
    box_w, box_h = width - 2 * MARGIN, height - 2 * MARGIN - 22 * mm
    scale = min(box_w / plan_w, box_h / plan_h)
    draw_w, draw_h = plan_w * scale, plan_h * scale
    x0, y0 = MARGIN, MARGIN + 12 * mm + (box_h - draw_h)
    if plan:
        with plan.image.open("rb") as f:
            canvas.drawImage(ImageReader(io.BytesIO(f.read())), x0, y0, draw_w, draw_h)
    else:
        canvas.setStrokeColor(colors.HexColor("#cccccc"))
        canvas.rect(x0, y0, draw_w, draw_h, stroke=1, fill=0)
    radius = max(2.5 * mm, min(draw_w, draw_h) / 45)
    for point in map_points(enterprise):
        cx, cy = x0 + point.x * draw_w, y0 + (1 - point.y) * draw_h
        canvas.setFillColor(colors.HexColor(COLOURS[point.level]))
        canvas.setStrokeColor(colors.HexColor("#333333"))
        canvas.circle(cx, cy, radius, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(cx, cy - radius - 9, point.name)
    x = MARGIN
    for level, label in LEGEND:
        canvas.setFillColor(colors.HexColor(COLOURS[level]))
        canvas.rect(x, MARGIN, 5 * mm, 5 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT, 9)
        canvas.drawString(x + 6.5 * mm, MARGIN + 1.2 * mm, label)
        x += 30 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()
