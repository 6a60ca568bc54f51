"""Printable responsibility cards (岗位安全生产明白卡): one A5 page per post with its risk colour band, the
emergency five steps, the emergency phone numbers and the post's QR code.

reportlab with WenQuanYi Micro Hei embedded (STACK-NOTES: Noto CJK's CFF outlines fail in reportlab and
the built-in STSong-Light is not embedded, so a printer without it would show boxes).
"""

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, KeepInFrame, Paragraph, Spacer

from cards.models import DEFAULT_EMERGENCY_STEPS
from core.exports import PDF_FONT, pdf_font
from core.exports_safety import pdf_text

FONT = PDF_FONT
# Safety colours of the four risk levels (重大/较大/一般/低), as on the risk notice boards.
BAND = {
    "red": ("#E60012", "重大风险", colors.white),
    "orange": ("#F39800", "较大风险", colors.white),
    "yellow": ("#FFE100", "一般风险", colors.black),
    "blue": ("#0068B7", "低风险", colors.white),
}
MARGIN = 8 * mm
BAND_HEIGHT = 24 * mm
QR_SIZE = 32 * mm  # well above the 25 mm the code is made for


@dataclass(frozen=True)
class CardPage:
    """What one printed card shows; `content` is a published version's content, or None before the first."""

    enterprise: str
    post: str
    department: str
    location: str
    risk_level: str
    content: dict | None
    version: int | None
    published_at: datetime | None
    qr_url: str
    qr_png: bytes


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("card", fontName=FONT, fontSize=8.5, leading=11.5, wordWrap="CJK")
    return {
        "body": base,
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=10, leading=13, spaceBefore=3, textColor=colors.HexColor("#333333")
        ),
        "step": ParagraphStyle("step", parent=base, leftIndent=4 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9, textColor=colors.HexColor("#555555")),
    }


def _text(value) -> str:
    """A card field item as text: strings as they are, {name, ...} dicts by their readable parts."""
    if isinstance(value, dict):
        parts = [str(value.get(k)) for k in ("name", "title", "description", "phone") if value.get(k)]
        return "  ".join(parts) if parts else ", ".join(str(v) for v in value.values())
    return str(value)


def _section(title: str, items: list, styles) -> list:
    if not items:
        return []
    flow = [Paragraph(pdf_text(title), styles["heading"])]
    flow += [Paragraph("• " + pdf_text(_text(item)), styles["body"]) for item in items]
    return flow


def _body(page: CardPage, styles) -> list:
    content = page.content or {}
    steps = content.get("emergency_steps") or DEFAULT_EMERGENCY_STEPS
    flow = []
    if page.content is None:
        flow.append(Paragraph("本岗位明白卡尚未发布,以下为默认应急处置步骤。", styles["heading"]))
    flow += _section("岗位职责", content.get("duties") or [], styles)
    hazards = [
        f"{h.get('name', '')}({BAND.get(h.get('risk_level'), ('', h.get('risk_level', '')))[1]})"
        + (f":{h['description']}" if h.get("description") else "")
        if isinstance(h, dict)
        else h
        for h in content.get("hazards") or []
    ]
    flow += _section("主要风险", hazards, styles)
    flow += _section("管控措施", content.get("controls") or [], styles)
    # Seed item 49: the five steps 关、避、喊、报、助, in order, written for the post.
    flow.append(Paragraph("应急处置 关・避・喊・报・助", styles["heading"]))
    for step in steps:
        title, action = pdf_text(str(step.get("title", ""))), pdf_text(str(step.get("action", "")))
        flow.append(Paragraph(f"<b>{title}</b>  {action}", styles["step"]))
    contacts = [
        f"{c.get('name', '')}  {c.get('phone', '')}" if isinstance(c, dict) else c
        for c in content.get("emergency_contacts") or []
    ]
    flow += _section("应急电话", contacts, styles)
    flow += _section("持证要求", content.get("required_certificates") or [], styles)
    flow += _section("劳动防护用品", content.get("ppe") or [], styles)
    flow += _section("操作规程要点", content.get("operating_rules") or [], styles)
    return flow


def _draw_card(canvas: Canvas, page: CardPage, styles) -> None:
    width, height = A5
    fill, label, ink = BAND.get(page.risk_level, BAND["blue"])
    canvas.setFillColor(colors.HexColor(fill))
    canvas.rect(0, height - BAND_HEIGHT, width, BAND_HEIGHT, stroke=0, fill=1)
    canvas.setFillColor(ink)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, height - 8 * mm, page.enterprise)
    canvas.drawRightString(width - MARGIN, height - 8 * mm, "岗位安全生产明白卡")
    canvas.setFont(FONT, 16)
    canvas.drawString(MARGIN, height - 17 * mm, page.post)
    canvas.setFont(FONT, 12)
    canvas.drawRightString(width - MARGIN, height - 17 * mm, label)
    canvas.setFont(FONT, 8)
    where = " / ".join(part for part in (page.department, page.location) if part)
    if where:
        canvas.drawString(MARGIN, height - 21.5 * mm, where)

    # Bottom: the QR code on the right, the footer on the left.
    footer = MARGIN + QR_SIZE + 2 * mm
    canvas.drawImage(
        ImageReader(io.BytesIO(page.qr_png)), width - MARGIN - QR_SIZE, MARGIN, QR_SIZE, QR_SIZE, mask=None
    )
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 8)
    canvas.drawString(MARGIN, MARGIN + 18 * mm, "扫码查看明白卡、今日检查表")
    canvas.setFont(FONT, 6.5)
    canvas.drawString(MARGIN, MARGIN + 13 * mm, page.qr_url)
    if page.version is not None:
        published = timezone.localtime(page.published_at).strftime("%Y-%m-%d") if page.published_at else ""
        canvas.drawString(MARGIN, MARGIN + 8 * mm, f"第 {page.version} 版  发布于 {published}")
    canvas.setStrokeColor(colors.HexColor(fill))
    canvas.setLineWidth(1.5)
    canvas.rect(3 * mm, 3 * mm, width - 6 * mm, height - 6 * mm, stroke=1, fill=0)

    # The body shrinks to fit: a card is one page whatever its length.
    frame_height = height - BAND_HEIGHT - footer - 3 * mm
    frame = Frame(MARGIN, footer, width - 2 * MARGIN, frame_height, showBoundary=0, leftPadding=0, rightPadding=0)
    flow = _body(page, styles)
    frame.addFromList([KeepInFrame(width - 2 * MARGIN, frame_height, [Spacer(1, 1), *flow], mode="shrink")], canvas)


def cards_pdf(pages: list[CardPage], *, title: str) -> bytes:
    """One A5 page per card, the font embedded (a subset)."""
    pdf_font()
    out = io.BytesIO()
    # The initial font too: else reportlab lists Helvetica, which is not embedded, on every page.
    canvas = Canvas(out, pagesize=A5, pageCompression=1, initialFontName=FONT, initialFontSize=9)
    canvas.setTitle(title)
    canvas.setAuthor("mingbai")
    styles = _styles()
    for page in pages:
        _draw_card(canvas, page, styles)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
