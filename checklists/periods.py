"""Every period of the inspection calendar, computed in the enterprise's local time. Only here.

daily 2024-07-03, weekly ISO week 2024-W27 (Monday start), monthly 2024-07, quarterly 2024-Q3.
A check at 00:30 on 1 August Beijing time (16:30 UTC on 31 July) belongs to August.

Also here: the keys people type (a week, a month: `week_key_parse`, `month_key_parse`, one rule and one
message each), the periods of a kind that begin inside another (each check period counts in exactly one
week and one month), the month a period key counts in, and the calendar arithmetic on dates (last day of
a month, months before a day).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from core.errors import ApplicationError

DAILY, WEEKLY, MONTHLY, QUARTERLY = "daily", "weekly", "monthly", "quarterly"


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

    @property
    def counted_end(self) -> datetime:
        """The end of the part of the period inside the month it counts in (the month it begins in):
        a week spanning 31 July counts in July up to 1 August, a quarter in its first month."""
        return min(self.end, period_of(MONTHLY, self.start, self.start.tzinfo).end)


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


def local_day_period(day: date, tz: ZoneInfo | str) -> Period:
    """The local day `day` of the time zone as a daily period."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    return period_of(DAILY, _midnight(day, tz), tz)


def month_period(year: int, month: int, tz: ZoneInfo | str) -> Period:
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    return period_of(MONTHLY, _midnight(date(year, month, 1), tz), tz)


def periods_starting_in(kind: str, outer: Period) -> list[Period]:
    """The periods of `kind` that begin inside `outer`, in outer's time zone: each check period counts
    in exactly one week and one month (a week in the month of its Monday, a quarter in its first month;
    a weekly sweep of the week spanning 31 July belongs to July)."""
    tz = outer.start.tzinfo
    found = []
    period = period_of(kind, outer.start, tz)
    if period.start < outer.start:
        period = period_of(kind, period.end, tz)
    while period.start < outer.end:
        found.append(period)
        period = period_of(kind, period.end, tz)
    return found


def period_days(period: Period) -> tuple[date, date]:
    """The first and last local day of a period."""
    tz = period.start.tzinfo
    return period.start.astimezone(tz).date(), (period.end - timedelta(microseconds=1)).astimezone(tz).date()


def month_of_period(key: str) -> str:
    """The month (YYYY-MM) a period key counts in: 2024-07-03 and 2024-07 in 2024-07, 2024-W27 (Monday
    1 July) in 2024-07, 2024-Q3 in 2024-07 (the rule of periods_starting_in)."""
    if "-W" in key:
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1).strftime("%Y-%m")
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return f"{year}-{3 * int(quarter) - 2:02d}"
    return key[:7]


def month_last_day(year: int, month: int) -> date:
    return _first_day_of_month(year, month + 1) - timedelta(days=1)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, month_last_day(year, month + 1).day))


# Keys people type. Years 2000-2999: the campaign's archive, and far enough from datetime's limits
# (9999-12-31 has no next day to end a period on).
WEEK_KEY = re.compile(r"^(2\d{3})-W(\d{2})$")
MONTH_KEY = re.compile(r"^(2\d{3})-(\d{2})$")


def month_key_parse(value: str | None, *, field: str = "month") -> tuple[int, int]:
    """`YYYY-MM` as (year, month), or a 400 naming `field`."""
    match = MONTH_KEY.fullmatch(value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise ApplicationError(_("月份应写作 2024-07 的形式。"), field=field)
    return int(match[1]), int(match[2])


def week_key_parse(value: str | None, *, field: str = "week") -> date:
    """`YYYY-Www` (ISO week) as its Monday, or a 400 naming `field`."""
    match = WEEK_KEY.fullmatch(value or "")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1) if match else None
    except ValueError:
        monday = None
    if monday is None:
        raise ApplicationError(_("周应写作 2024-W27 的形式,且该周须存在。"), field=field)
    return monday


def week_period_of_key(key: str | None, tz: ZoneInfo | str, *, field: str = "week") -> Period:
    monday = week_key_parse(key, field=field)
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    return period_of(WEEKLY, _midnight(monday, tz), tz)


def month_period_of_key(key: str | None, tz: ZoneInfo | str, *, field: str = "month") -> Period:
    year, month = month_key_parse(key, field=field)
    return month_period(year, month, tz)
