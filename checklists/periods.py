"""Every period of the inspection calendar, computed in the enterprise's local time. Only here.

daily 2024-07-03, weekly ISO week 2024-W27 (Monday start), monthly 2024-07, quarterly 2024-Q3.
A check at 00:30 on 1 August Beijing time (16:30 UTC on 31 July) belongs to August.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DAILY, WEEKLY, MONTHLY, QUARTERLY = "daily", "weekly", "monthly", "quarterly"
KINDS = (DAILY, WEEKLY, MONTHLY, QUARTERLY)


@dataclass(frozen=True)
class Period:
    kind: str
    key: str
    start: datetime  # aware, local midnight of the first day
    end: datetime  # aware, local midnight after the last day (exclusive)

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def previous(self) -> "Period":
        return period_of(self.kind, self.start - timedelta(microseconds=1), self.start.tzinfo)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    # zoneinfo resolves wall times itself; in zones whose DST starts at midnight the
    # non-existent 00:00 maps forward, which is the instant the local day actually begins.
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _first_day_of_month(year: int, month: int) -> date:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1)


def period_of(kind: str, instant: datetime, tz: ZoneInfo | str) -> Period:
    """The period of `kind` that contains `instant` (aware), in the time zone `tz`."""
    if instant.tzinfo is None:
        raise ValueError("period_of needs an aware datetime")
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    local_day = instant.astimezone(tz).date()
    if kind == DAILY:
        first, after = local_day, local_day + timedelta(days=1)
        key = local_day.isoformat()
    elif kind == WEEKLY:
        iso = local_day.isocalendar()
        first = local_day - timedelta(days=iso.weekday - 1)
        after = first + timedelta(days=7)
        key = f"{iso.year}-W{iso.week:02d}"  # ISO year: 2024-12-30 is in 2025-W01
    elif kind == MONTHLY:
        first = local_day.replace(day=1)
        after = _first_day_of_month(first.year, first.month + 1)
        key = f"{first.year}-{first.month:02d}"
    elif kind == QUARTERLY:
        quarter = (local_day.month - 1) // 3 + 1
        first = date(local_day.year, 3 * quarter - 2, 1)
        after = _first_day_of_month(first.year, first.month + 3)
        key = f"{first.year}-Q{quarter}"
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    return Period(kind, key, _midnight(first, tz), _midnight(after, tz))


def period_kind_for(tier: str, *, high_risk: bool) -> str:
    """The calendar a tier runs on: the principal-led quarterly inspection is monthly in
    high-risk enterprises; the other tiers run on their own calendar."""
    if tier == QUARTERLY and high_risk:
        return MONTHLY
    return tier
