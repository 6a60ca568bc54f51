"""Logging in and staying logged in (issue 11).

- Lockouts: django-axes counts failed logins in the cache, per client address and per username on their
  own, for the API token, /m/login/ and /admin/login/ alike (settings: AXES_*, LOGIN_FAILURE_LIMIT,
  LOGIN_LOCKOUT_MINUTES). The client address is DRF's `get_ident` with NUM_PROXIES =
  TRUSTED_PROXY_COUNT, so the lockouts and the refresh throttle agree on who the client is, and a
  client's own X-Forwarded-For is believed only behind that many trusted proxies.
- Tokens: a refresh token is used once (rotated and blacklisted). Every token carries a hash of the
  password it was issued under (simplejwt's CHECK_REVOKE_TOKEN), checked on each request and on
  refresh: a password change ends every token of the person, and a deactivation refuses them. Both
  also blacklist the person's outstanding refresh tokens, so reactivating brings none back.
"""

import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions, serializers
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password

# ---------------------------------------------------------------------------------------------
# Lockouts (django-axes calls these by their dotted names, see settings.AXES_*)


def client_address(request) -> str | None:
    """The client's address: the socket's, or the one the first of TRUSTED_PROXY_COUNT proxies saw."""
    return BaseThrottle().get_ident(request)


def lockout_username(request, credentials: dict | None) -> str | None:
    """The username a failure counts against, as login compares it (ignoring case and surrounding
    blanks). Prefixed, so that a username spelled like an address never shares that address's count."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "data", None)
        if data is None:
            data = getattr(request, "POST", None)
        username = data.get("username") if hasattr(data, "get") else None
    if not isinstance(username, str) or not username.strip():
        return None
    return "username:" + username.strip().lower()


def lockout_seconds() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    return _("登录尝试过于频繁,请 %(minutes)d 分钟后再试。") % {"minutes": math.ceil(lockout_seconds() / 60)}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out login gets: 429 with Retry-After (pages that say it themselves keep theirs)."""
    if original_response is not None and original_response.status_code == 429:
        return original_response  # e.g. /m/login/, which shows the lockout in its own form
    if request.path.startswith("/api/"):
        from core.errors import error_body  # core.errors imports DRF, whose settings import this module

        response = JsonResponse(error_body("throttled", lockout_message()), status=429)
    else:
        response = HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(lockout_seconds())
    return response


class LoginLocked(exceptions.Throttled):
    def __init__(self):
        super().__init__(wait=lockout_seconds())
        self.detail = exceptions.ErrorDetail(lockout_message(), code="throttled")


class LoginSerializer(TokenObtainPairSerializer):
    """simplejwt's login, with a lockout answered as 429 (axes refuses a locked-out login inside
    authenticate(), which simplejwt would report as a wrong password)."""

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except exceptions.AuthenticationFailed:
            if getattr(self.context.get("request"), "axes_locked_out", False):
                raise LoginLocked() from None
            raise


# ---------------------------------------------------------------------------------------------
# Tokens


def _token_invalid() -> InvalidToken:
    return InvalidToken(_("令牌无效或已过期。"))


def _credentials_changed() -> InvalidToken:
    return InvalidToken(_("密码已更改或账号已停用,请重新登录。"))


def _current(person, token) -> bool:
    """The token was issued under the person's present password, and the person may still log in."""
    return (
        person is not None
        and person.is_active
        and token.get(api_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(person.password)
    )


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's, with its answers in our words: one plain message, no list of token classes."""

    def get_validated_token(self, raw_token):
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            raise _token_invalid() from None

    def get_user(self, validated_token):
        try:
            return super().get_user(validated_token)  # also checks is_active and the password hash
        except InvalidToken:
            raise _token_invalid() from None
        except AuthenticationFailed:
            raise _credentials_changed() from None


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's class, for ours."""

    target_class = JWTAuthentication


class RefreshSerializer(TokenRefreshSerializer):
    """A refresh token gives a new access token and the next refresh token, once: using it again, or
    after a password change or a deactivation, is a 401."""

    def validate(self, attrs):
        try:
            refresh = self.token_class(attrs["refresh"])  # signature, expiry, type, blacklist
        except TokenError:
            raise _token_invalid() from None
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        person = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if not _current(person, refresh):
            raise _credentials_changed()
        with transaction.atomic():
            _blacklisted, first_use = refresh.blacklist()
        if not first_use:  # another request used it a moment ago
            raise _token_invalid()
        access = str(refresh.access_token)
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        return {"access": access, "refresh": str(refresh)}


def refresh_token_revoke(value: str) -> bool:
    """Logging out: blacklist this refresh token, so that a copy of it (left on a shared phone, or
    taken from it) gets no new access token. True when it was revoked now; False when it could not be
    used anyway (expired, malformed, revoked already). The access token lives out its few minutes."""
    try:
        refresh = RefreshSerializer.token_class(value)  # signature, expiry, type, blacklist
    except TokenError:
        return False
    with transaction.atomic():
        _blacklisted, revoked_now = refresh.blacklist()
    return revoked_now


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token the client holds")


def tokens_revoke(person) -> int:
    """Blacklist every refresh token of the person not blacklisted yet; the number blacklisted."""
    outstanding = OutstandingToken.objects.filter(user=person, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tokens_flush_expired() -> int:
    """Forget the refresh tokens past their expiry (used or not): they can never be presented again,
    and each login and refresh adds one. Daily from beat; simplejwt's `flushexpiredtokens` does the same."""
    deleted, _by_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _revoke_on_password_change_or_deactivation(sender, instance, created, **kwargs):
    # set_password() leaves the new password in `_password` until save() has run (AbstractBaseUser);
    # a hash upgrade at login clears it first, so it ends no token.
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        tokens_revoke(instance)


post_save.connect(
    _revoke_on_password_change_or_deactivation,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="core.auth.revoke_tokens",
)
