"""The campaign's quantified targets, in one place, each with the seed item it comes from: 鄂州市安全生产
治本攻坚三年行动2024年量化目标任务 (市安委会办公室, 2024-07-03). The statistics (API and workbook), the region
page and the README read them from here."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CampaignTarget:
    figure: str  # the rate's name in the statistics
    label: str
    target: float  # the rate is met at or above it
    seed_item: int
    seed_text: str

    def missed(self, rate: float | None) -> bool:
        """Below the target; no figure (nothing to measure, e.g. no hazard found) misses nothing."""
        return rate is not None and rate < self.target


TARGETS = (
    CampaignTarget(
        "card_coverage",
        _("明白卡覆盖率"),
        1.0,
        12,
        "所有行业所有企业100%建立企业全员安全生产岗位清单“明白卡”",
    ),
    CampaignTarget(
        "check_completion",
        _("检查完成率"),
        1.0,
        24,
        "落实“日管控、周排查、月调度”工作机制,建立自查自纠档案",
    ),
    CampaignTarget(
        "rectification_rate",
        _("隐患整改率"),
        1.0,
        3,
        "对发现的问题隐患督促整改率达到100%",
    ),
    CampaignTarget(
        "awareness_rate",
        _("应知应会知晓率"),
        0.8,
        6,
        "企业员工应知应会知识抽查知晓率达到80%以上",
    ),
    CampaignTarget(
        "certified_rate",
        _("持证上岗率"),
        1.0,
        16,
        "高危行业企业特种作业人员管理,持证上岗率100%",
    ),
)
BY_FIGURE = {t.figure: t for t in TARGETS}

# Seed item 49: drills at least once a year, half-yearly in high-risk industries (cards.selectors.drill_period).
DRILL_SEED_ITEM = 49


def targets_payload() -> dict[str, float]:
    """{figure: target}, as the statistics' `targets`."""
    return {t.figure: t.target for t in TARGETS}


def targets_missed(figures) -> dict[str, bool]:
    """{figure: missed} for an object with the rates as attributes (a stats row's figures)."""
    return {t.figure: t.missed(getattr(figures, t.figure)) for t in TARGETS}


def targets_sentence() -> str:
    """The targets in one line, for the pages: 明白卡覆盖率 100%、…、应知应会知晓率 ≥ 80%."""
    parts = []
    for t in TARGETS:
        value = f"{t.target:.0%}"
        parts.append(f"{t.label} {value}" if t.target == 1 else f"{t.label} ≥ {value}")
    return "、".join(parts)
