from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from checklists.periods import period_kind_for, period_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_a_check_at_half_past_midnight_on_1_august_beijing_time_belongs_to_august():
    instant = utc(2024, 7, 31, 16, 30)  # 00:30 on 1 August in Beijing
    assert period_of("monthly", instant, SHANGHAI).key == "2024-08"
    assert period_of("daily", instant, SHANGHAI).key == "2024-08-01"
    assert period_of("quarterly", instant, SHANGHAI).key == "2024-Q3"


def test_a_check_just_before_local_midnight_stays_in_the_old_day():
    instant = utc(2024, 7, 31, 15, 59, 59)  # 23:59:59 on 31 July in Beijing
    assert period_of("daily", instant, SHANGHAI).key == "2024-07-31"
    assert period_of("monthly", instant, SHANGHAI).key == "2024-07"


def test_weeks_are_iso_weeks_starting_on_monday():
    wednesday = utc(2024, 7, 3, 2)
    week = period_of("weekly", wednesday, SHANGHAI)
    assert week.key == "2024-W27"
    assert week.start == datetime(2024, 7, 1, tzinfo=SHANGHAI)
    assert week.end == datetime(2024, 7, 8, tzinfo=SHANGHAI)


def test_the_last_days_of_december_can_belong_to_week_1_of_the_next_iso_year():
    assert period_of("weekly", utc(2024, 12, 30, 4), SHANGHAI).key == "2025-W01"
    assert period_of("weekly", utc(2021, 1, 2, 4), SHANGHAI).key == "2020-W53"


def test_quarters_and_months_roll_over_the_year_end():
    december = period_of("monthly", utc(2024, 12, 15), SHANGHAI)
    assert december.end == datetime(2025, 1, 1, tzinfo=SHANGHAI)
    q4 = period_of("quarterly", utc(2024, 11, 1), SHANGHAI)
    assert (q4.key, q4.start, q4.end) == (
        "2024-Q4",
        datetime(2024, 10, 1, tzinfo=SHANGHAI),
        datetime(2025, 1, 1, tzinfo=SHANGHAI),
    )


def test_previous_period_is_the_one_just_before():
    day = period_of("daily", utc(2024, 3, 1, 1), SHANGHAI)
    assert day.previous().key == "2024-02-29"
    assert period_of("weekly", utc(2024, 7, 3), SHANGHAI).previous().key == "2024-W26"


def test_periods_are_computed_in_the_enterprise_time_zone_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    day = period_of("daily", utc(2024, 3, 31, 12), berlin)  # the day clocks go forward: 23 hours long
    assert day.key == "2024-03-31"
    # Subtracting in UTC: Python subtracts same-zone datetimes by wall clock.
    assert (day.end.astimezone(UTC) - day.start.astimezone(UTC)).total_seconds() == 23 * 3600


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly", "quarterly"])
def test_every_instant_lies_inside_its_own_period_and_periods_tile_the_year(kind):
    instant = utc(2024, 1, 1)
    while instant < utc(2025, 2, 1):
        period = period_of(kind, instant, SHANGHAI)
        assert period.contains(instant)
        assert period_of(kind, period.end, SHANGHAI).start == period.end  # no gap, no overlap
        instant += timedelta(hours=7, minutes=13)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        period_of("daily", datetime(2024, 1, 1), SHANGHAI)


def test_the_quarterly_led_inspection_runs_monthly_in_high_risk_enterprises():
    assert period_kind_for("quarterly", high_risk=True) == "monthly"
    assert period_kind_for("quarterly", high_risk=False) == "quarterly"
    assert period_kind_for("daily", high_risk=True) == "daily"
