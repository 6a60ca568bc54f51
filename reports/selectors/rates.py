"""Every rate of the figures, defined once: the day log, the weekly report, the monthly dispatch and
the statistics divide with these (README, Figures). A rate is None when there is nothing to measure."""


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def completion_rate(*, done: int, late: int, expected: int) -> float | None:
    """检查完成率: checks recorded, on time or late (补录), over the checks expected."""
    return rate(done + late, expected)


def on_time_rate(*, done: int, expected: int) -> float | None:
    """按时完成率: checks recorded within their period over the checks expected (a 补录 never counts)."""
    return rate(done, expected)


def rectification_rate(*, found_closed: int, found: int) -> float | None:
    """隐患整改率: hazards found in the period and closed (销号) by its end, over those found."""
    return rate(found_closed, found)


def card_coverage(*, with_card: int, posts: int) -> float | None:
    """明白卡覆盖率: posts (existing at the period's end) with a card published by then, over the posts."""
    return rate(with_card, posts)


def awareness_rate(*, correct: int, questions: int) -> float | None:
    """应知应会知晓率: right answers over questions asked, spot-checks finished in the period."""
    return rate(correct, questions)


def certified_rate(*, required: int, missing: int) -> float | None:
    """持证上岗率: (holder, required certificate kind) pairs with a valid certificate at the period's end."""
    return rate(required - missing, required)


def day_completion_rate(day: dict) -> float | None:
    """A day of the dispatch's chart (period_figures' `days`): its daily checks recorded, on time or late,
    over those expected: the completion rate of one day."""
    return rate(day["recorded"], day["expected"])
