"""Validators of the organisation: the credit code, the time zone, the username, a post's fence.

统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character.
"""

import math
import re
from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# The 31 characters of GB 32100 (no I, O, S, V, Z), each standing for its index.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if len(value) != 18 or any(c not in CREDIT_CODE_CHARS for c in value):
        raise ValidationError(
            _("统一社会信用代码应为18位,由数字和除I、O、S、V、Z外的大写字母组成。"), code="credit_code_format"
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误。"), code="credit_code_check")


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("未知的时区:%(value)s"), params={"value": value}, code="timezone")


USERNAME_MAX_LENGTH = 150


@deconstructible
class UsernameValidator(RegexValidator):
    """The one username rule (members API, onboarding workbook, the Person model and its admin): ASCII
    letters, digits and @ . + - _ only. No spaces or markup, and no look-alikes: a Cyrillic "о" or a
    full-width "ｗ" would make a second "worker" that reads the same on a printed roster."""

    regex = r"\A[A-Za-z0-9@.+_-]+\Z"
    flags = re.ASCII
    message = _("用户名只能包含英文字母、数字和 @/./+/-/_。")
    code = "username_format"


validate_username = UsernameValidator()


# A post's electronic fence (电子围栏): a circle around a WGS-84 centre. A phone's position is good to some
# 5-50 m outdoors, so a fence narrower than 10 m would flag honest records; wider than 5 km proves nothing.
FENCE_RADIUS_MIN_M, FENCE_RADIUS_MAX_M = 10, 5000
FENCE_PLACES = Decimal("0.000001")  # 6 decimals of a degree: about 0.1 m


def fence_problems(*, latitude, longitude, radius_m) -> dict[str, str]:
    """What is wrong with a fence, by field (latitude, longitude, radius_m); empty when it is fine.
    A fence is all three values or none: a missing one is named when another is given."""
    values = {"latitude": latitude, "longitude": longitude, "radius_m": radius_m}
    if all(v is None for v in values.values()):
        return {}
    problems = {}
    for name, value in values.items():
        if value is None:
            problems[name] = str(_("电子围栏须同时填写纬度、经度和半径。"))
    bounds = {"latitude": (-90, 90, _("纬度")), "longitude": (-180, 180, _("经度"))}
    for name, (low, high, label) in bounds.items():
        value = values[name]
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            problems[name] = str(
                _("%(label)s应在 %(low)s 到 %(high)s 之间。") % {"label": label, "low": low, "high": high}
            )
    if radius_m is not None and not (
        not isinstance(radius_m, bool)
        and math.isfinite(radius_m)
        and radius_m == int(radius_m)
        and FENCE_RADIUS_MIN_M <= radius_m <= FENCE_RADIUS_MAX_M
    ):
        problems["radius_m"] = str(
            _("半径应为 %(low)d 到 %(high)d 之间的整数(米)。") % {"low": FENCE_RADIUS_MIN_M, "high": FENCE_RADIUS_MAX_M}
        )
    return problems


def fence_degrees(value) -> Decimal:
    """A coordinate as stored: 6 decimals (a float from JSON or a phone, a Decimal, a number in a cell)."""
    return Decimal(str(value)).quantize(FENCE_PLACES)
