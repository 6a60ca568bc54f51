"""The checks of an enterprise over a window, by the one rule of expected slots (checklists.expected)
and of a slot's status (checklists.slots): what the day log, the weekly report and the monthly
dispatch count, and what the statistics count from the tallies."""

from dataclasses import dataclass
from datetime import datetime

from checklists.expected import Slot
from checklists.models import Inspection
from checklists.slots import SlotStatus, slot_status
from orgs.models import Enterprise
from reports.selectors.rates import completion_rate, on_time_rate


@dataclass(frozen=True)
class CountedRecord:
    """The record that counts for a slot: its first, when the slot was expected."""

    id: int
    late: bool
    on_site: bool
    failed: int


def counted_records(enterprise: Enterprise, slots: list[Slot]) -> dict[tuple, CountedRecord]:
    """{slot key: CountedRecord} for the slots. One query, one row per slot."""
    if not slots:
        return {}
    rows = Inspection.objects.filter(
        enterprise=enterprise,
        template_id__in={s.template for s in slots},
        period__in={s.period.key for s in slots},
        first_of_slot=True,
        in_plan=True,
    ).values_list("template_id", "post_id", "tier", "period", "id", "late", "on_site", "failed_count")
    return {
        (t, p, tier, key): CountedRecord(i, late, on_site, failed) for t, p, tier, key, i, late, on_site, failed in rows
    }


def slot_of(slot: Slot, recorded: dict, now: datetime) -> tuple[str, CountedRecord | None]:
    record = recorded.get(slot.key)
    return slot_status(record.late if record else None, slot.period, now), record


@dataclass
class CheckCounts:
    """Expected checks and their statuses; off site = counted by a record not made on site."""

    expected: int = 0
    done: int = 0
    late: int = 0
    missed: int = 0
    open: int = 0
    off_site: int = 0

    def count(self, status: str, record: CountedRecord | None) -> None:
        self.expected += 1
        name = "open" if status == SlotStatus.DUE else status
        setattr(self, name, getattr(self, name) + 1)
        self.off_site += bool(record) and not record.on_site

    def add(self, other: "CheckCounts") -> None:
        # Plain attribute arithmetic: the statistics of a province add 40,000 of these.
        self.expected += other.expected
        self.done += other.done
        self.late += other.late
        self.missed += other.missed
        self.open += other.open
        self.off_site += other.off_site

    @property
    def due(self) -> int:
        """The statistics' name of `expected`."""
        return self.expected

    @property
    def rate(self) -> float | None:
        """The statistics' name of `completion_rate`."""
        return self.completion_rate

    @property
    def completion_rate(self) -> float | None:
        return completion_rate(done=self.done, late=self.late, expected=self.expected)

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(done=self.done, expected=self.expected)

    def as_dict(self) -> dict:
        return {
            "expected": self.expected,
            "done": self.done,
            "late": self.late,
            "missed": self.missed,
            "open": self.open,
            "off_site": self.off_site,
            "completion_rate": self.completion_rate,
            "on_time_rate": self.on_time_rate,
        }
