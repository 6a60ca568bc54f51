"""Bar charts as inline SVG, drawn on the server: no chart library, no script, nothing from a CDN (the
pages' Content-Security-Policy allows only our own files, and an inline <svg> is markup, not a script).
The PDF of the dispatch draws the same two series with reportlab (reports.exports)."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.selectors.rates import day_completion_rate

WIDTH, HEIGHT = 360, 160
LEFT, BOTTOM, TOP = 30, 20, 10


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (a day of the month)
    value: float | None  # None: nothing to show (no check was due that day)
    title: str  # the tooltip and the text a screen reader says


def bar_chart(
    bars: list[Bar], *, title: str, value_max: float | None = None, percent=False, color="#0d47a1"
) -> SafeString:
    """One SVG: a bar per entry, a scale at 0, half and the top, every fifth label under the bars."""
    top = value_max if value_max is not None else max([b.value or 0 for b in bars] + [1])
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(bars), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        value = top * fraction
        text = f"{value:.0%}" if percent else (f"{value:.0f}" if value == int(value) else f"{value:.1f}")
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{LEFT - 3}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{text}</text>'
        )
    for index, bar in enumerate(bars):
        x = LEFT + index * step
        if bar.value:
            h = plot_h * min(bar.value / top, 1) if top else 0
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{TOP + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{escape(bar.title)}</title></rect>'
            )
        if index % 5 == 0 or index == len(bars) - 1:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="10">'
                f"{escape(bar.label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def dispatch_charts(figures: dict) -> tuple[SafeString, SafeString]:
    """The dispatch's two charts from its frozen figures: daily completion and hazards found per day."""
    days = figures.get("days", [])
    completion = [
        Bar(
            label=day["date"][8:],
            value=day_completion_rate(day),
            title=_("%(date)s 日管控 %(done)s/%(due)s")
            % {"date": day["date"], "done": day["recorded"], "due": day["expected"]},
        )
        for day in days
    ]
    hazards = [
        Bar(
            label=day["date"][8:], value=day["hazards_found"], title=f"{day['date']} 发现隐患 {day['hazards_found']} 项"
        )
        for day in days
    ]
    return (
        bar_chart(completion, title=_("每日日管控完成率"), value_max=1, percent=True, color="#2e7d32"),
        bar_chart(hazards, title=_("每日发现隐患数"), color="#e65100"),
    )
