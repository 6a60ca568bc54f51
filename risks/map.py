"""The four-colour map (四色分布图): the site plan with each placed risk point coloured by its grade.

One list of placed points (`map_points`) feeds the SVG here and the PDF in qr.risk_pdf, so the page
and the printout cannot disagree. User text is escaped (DESIGN.md: exports are inert)."""

import base64
from dataclasses import dataclass
from xml.sax.saxutils import escape

from orgs.models import Enterprise
from risks.models import RiskPoint, SitePlan

# The safety colours of the four grades (as on the printed cards, qr.cards_pdf.BAND); grey: not assessed.
COLOURS = {"red": "#E60012", "orange": "#F39800", "yellow": "#FFE100", "blue": "#0068B7", None: "#9E9E9E"}
LEGEND = [("red", "重大风险"), ("orange", "较大风险"), ("yellow", "一般风险"), ("blue", "低风险"), (None, "未评价")]
DEFAULT_SIZE = (1000, 700)  # the canvas without a site plan


@dataclass(frozen=True)
class MapPoint:
    id: int
    name: str
    level: str | None
    x: float  # 0..1 of the plan's width
    y: float


def map_points(enterprise: Enterprise) -> list[MapPoint]:
    """The active points placed on the plan, in one query. A point's colour is its grade: the highest
    of its current assessment (a point has one grade: risks.models.RiskPoint.level)."""
    rows = RiskPoint.objects.filter(enterprise=enterprise, active=True, plan_x__isnull=False).order_by("id")
    return [
        MapPoint(r["id"], r["name"], r["level"], float(r["plan_x"]), float(r["plan_y"]))
        for r in rows.values("id", "name", "level", "plan_x", "plan_y")
    ]


def site_plan_of(enterprise: Enterprise) -> SitePlan | None:
    return SitePlan.objects.filter(enterprise=enterprise).first()


def _image_href(plan: SitePlan) -> str:
    with plan.image.open("rb") as f:
        data = f.read()
    kind = "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"


def risk_map_svg(enterprise: Enterprise) -> str:
    plan = site_plan_of(enterprise)
    width, height = (plan.width, plan.height) if plan else DEFAULT_SIZE
    radius = max(8, min(width, height) // 40)
    font = max(10, radius)
    legend_height = font * 2 + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + legend_height}" '
        f'width="{width}" height="{height + legend_height}" font-family="WenQuanYi Micro Hei, sans-serif">',
        f"<title>{escape(enterprise.name)} 安全风险四色分布图</title>",
        f'<rect width="{width}" height="{height + legend_height}" fill="#ffffff"/>',
    ]
    if plan:
        parts.append(f'<image href="{_image_href(plan)}" x="0" y="0" width="{width}" height="{height}"/>')
    else:
        parts.append(f'<rect width="{width}" height="{height}" fill="#f5f5f5" stroke="#cccccc"/>')
    for point in map_points(enterprise):
        cx, cy = round(point.x * width, 1), round(point.y * height, 1)
        parts.append(
            f'<g class="risk-point" data-id="{point.id}" data-level="{point.level or ""}">'
            f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{COLOURS[point.level]}" fill-opacity="0.85" '
            'stroke="#333333" stroke-width="1"/>'
            f'<text x="{cx}" y="{cy + radius + font}" font-size="{font}" text-anchor="middle" fill="#000000">'
            f"{escape(point.name)}</text></g>"
        )
    x = 10
    for level, label in LEGEND:
        y = height + 10
        parts.append(f'<rect x="{x}" y="{y}" width="{font}" height="{font}" fill="{COLOURS[level]}"/>')
        parts.append(f'<text x="{x + font + 4}" y="{y + font - 2}" font-size="{font}">{label}</text>')
        x += font * 7
    parts.append("</svg>")
    return "".join(parts)
