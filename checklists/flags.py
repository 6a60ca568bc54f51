"""Flags on archive records: what makes a record suspicious, said once (DESIGN.md, "Trust rules").

A suspicious record is stored and flagged, never refused. `Inspection.flags` is a list of
`flag(code, **detail)`: `{"code", "label", "detail"}`, set by `inspection_submit` and covered by the
archive hash; `Inspection.flagged` is `bool(flags)`. The stored label is the Chinese one (the archive's
language, like an item's label as the worker saw it); answers label the codes again in the caller's
language (`labelled`). A manager's look at a flag is a FlagReview beside the record, which never changes.

Who computes what:
    no_scan_event, too_fast, photo_time_skew, photo_time_missing   checklists.services (inspection_submit)
    photo_reused                                                   checklists.photo_reuse.photo_reuse_flags
    outside_fence, no_position                                     checklists.geofence.position_flags
"""

from datetime import datetime
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from checklists.archive import utc_iso

NO_SCAN_EVENT = "no_scan_event"
TOO_FAST = "too_fast"
PHOTO_TIME_SKEW = "photo_time_skew"
PHOTO_TIME_MISSING = "photo_time_missing"
PHOTO_REUSED = "photo_reused"
OUTSIDE_FENCE = "outside_fence"
NO_POSITION = "no_position"

# The registry: every code a record may carry, with its label. A code not listed here is refused by
# `flag`, so that the day log, the statistics and the pages can name every flag they meet.
FLAG_LABELS = {
    NO_SCAN_EVENT: _("不是扫码后现场提交"),
    TOO_FAST: _("完成过快"),
    PHOTO_TIME_SKEW: _("照片拍摄时间与检查时间不符"),
    PHOTO_TIME_MISSING: _("照片缺少拍摄时间"),
    PHOTO_REUSED: _("照片重复使用"),
    OUTSIDE_FENCE: _("在电子围栏外提交"),
    NO_POSITION: _("未提供位置"),
}
FLAG_CODES = tuple(FLAG_LABELS)
ARCHIVE_LANGUAGE = "zh-hans"


def _plain(value):
    """Detail values as JSON stores and returns them unchanged (the archive hash is computed before the
    row is written and again from the row): instants as UTC ISO strings, decimals as strings."""
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"flag detail {value!r} is not JSON")


def flag(code: str, **detail) -> dict:
    """One flag of a record: `{"code", "label" (Chinese), "detail"}`. The detail says what was seen
    (seconds taken, the photo, the distance...), in JSON types."""
    if code not in FLAG_LABELS:
        raise ValueError(f"unknown flag code {code!r}: add it to checklists.flags.FLAG_LABELS")
    with translation.override(ARCHIVE_LANGUAGE):
        label = str(FLAG_LABELS[code])
    return {"code": code, "label": label, "detail": _plain(detail)}


def flag_label(code: str, stored: str = "") -> str:
    """The label of a code in the active language (the stored one for a code no longer known)."""
    label = FLAG_LABELS.get(code)
    return str(label) if label is not None else stored or code


def labelled(flags: list[dict]) -> list[dict]:
    """Stored flags with their labels in the active language, for answers and pages."""
    return [{**f, "label": flag_label(f.get("code", ""), f.get("label", ""))} for f in flags or []]


# ---------------------------------------------------------------------------------------------
# What a flag's detail says, in a sentence for the pages (the API gives the detail as it is stored).

SCAN_REASONS = {
    "no_scan": _("未扫码"),
    "token_only": _("只有二维码令牌,没有本人在该岗位的扫码记录"),
    "token_invalid": _("二维码令牌无效或已失效"),
    "not_found": _("引用的扫码记录不存在"),
    "other_person": _("引用的是他人的扫码记录"),
    "other_post": _("引用的是其他岗位的扫码记录"),
    "outside_window": _("扫码时间不在检查开始前规定时间内"),
}


def _local_time(value, tz) -> str:
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return instant.astimezone(tz).strftime("%m-%d %H:%M") if tz else instant.strftime("%m-%d %H:%M UTC")


def _photo_ids(photos) -> str:
    return "、".join(f"#{p.get('photo')}" for p in photos or [] if isinstance(p, dict))


def flag_text(item: dict, tz=None) -> str:
    """One flag as a short sentence in the active language: its label, then what was seen. `tz` (a
    tzinfo) shows the times in the enterprise's local time."""
    code, detail = item.get("code", ""), item.get("detail") or {}
    label = flag_label(code, item.get("label", ""))
    if code == NO_SCAN_EVENT:
        seen = str(SCAN_REASONS.get(detail.get("reason"), detail.get("reason", "")))
        if detail.get("scanned_at"):
            seen += _("(扫码于 %(time)s)") % {"time": _local_time(detail["scanned_at"], tz)}
    elif code == TOO_FAST:
        seen = _("用时 %(seconds)s 秒,最少应 %(minimum)s 秒") % detail if {"seconds", "minimum"} <= set(detail) else ""
    elif code == PHOTO_TIME_SKEW:
        seen = _("照片 %(photos)s 的拍摄时间与检查开始时间相差超过 %(minutes)s 分钟") % {
            "photos": _photo_ids(detail.get("photos")),
            "minutes": detail.get("limit_minutes", ""),
        }
    elif code == PHOTO_TIME_MISSING:
        seen = _("照片 %(photos)s 没有拍摄时间") % {"photos": _photo_ids(detail.get("photos"))}
    elif code == OUTSIDE_FENCE and {"distance_m", "accuracy_m", "radius_m"} <= set(detail):
        seen = _("距围栏中心 %(distance_m)s 米(定位精度 ±%(accuracy_m)s 米,围栏半径 %(radius_m)s 米)") % detail
    elif code == PHOTO_REUSED and {"photo", "earlier_inspection", "earlier_day"} <= set(detail):
        seen = _(
            "照片 #%(photo)s 与 %(earlier_day)s 记录 #%(earlier_inspection)s 的照片 #%(earlier_photo)s %(how)s"
        ) % {
            **detail,
            "earlier_photo": detail.get("earlier_photo", ""),
            "how": _("相同") if detail.get("match") == "exact" else _("相似"),
        }
    else:  # any other detail: as key=value
        plain = sorted((k, v) for k, v in detail.items() if not isinstance(v, (dict, list)))
        seen = ", ".join(f"{key}={value}" for key, value in plain)
    return f"{label}:{seen}" if seen else label
