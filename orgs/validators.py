"""Validators of the organisation: the credit code, the time zone, the username.

统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character.
"""

import re
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
