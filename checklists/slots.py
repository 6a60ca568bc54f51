"""The status of one slot (a post's check of one template in one period), defined once.

A slot is done when its first record (`Inspection.first_of_slot`) was received within its period, late
(补录) when that record came only after the period had closed (a day is also closed once its log is
signed: signing is only possible after the day), missed when the period closed without any record, and
due while the period is open and nothing is recorded. A late record never turns a missed slot into a
done one: it is counted apart, as late. The day log, the weekly report, the monthly dispatch, the
statistics and every page read this rule.
"""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from checklists.periods import Period


class SlotStatus:
    DUE = "due"  # the period is open and nothing is recorded yet
    DONE = "done"  # recorded within the period
    LATE = "late"  # recorded, but only after the period had closed (补录)
    MISSED = "missed"  # the period has closed with nothing recorded
    ALL = (DONE, LATE, MISSED, DUE)
    LABELS = {DONE: _("已完成"), LATE: _("补录"), MISSED: _("缺失"), DUE: _("待完成")}


DueStatus = SlotStatus  # the name checklists_due's callers know


def slot_status(late: bool | None, period: Period, now: datetime) -> str:
    """`late`: None without a record, else whether the slot's first record is late."""
    if late is not None:
        return SlotStatus.LATE if late else SlotStatus.DONE
    return SlotStatus.DUE if now < period.end else SlotStatus.MISSED
