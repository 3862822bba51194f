"""Phone login with simplejwt: a short-lived access token and a refresh token
that rotates on every use; the used one is blacklisted, and logging out
blacklists the current one, so a lost phone's session can be ended.

Whoever passes a second factor on the site (staff, grid workers among them:
portal.accounts.second_factor.needs_second_factor) passes it here too: a
code from the authenticator app or a backup code in ``otp_token``, checked
after the password and before any token is made. A missing or wrong code is
a failed login: it counts toward the lockout (django-axes) and writes a
failed-login audit record, as a wrong password does."""

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenObtainSerializer,
)
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from portal.accounts import second_factor
from portal.accounts.models import User
from portal.accounts.sessions import end_all_sessions
from portal.audit import services as audit

OTP_FIELD = "otp_token"
OTP_REQUIRED = _(
    "This account logs in with a second factor: send the code from the "
    "authenticator app, or a backup code, in otp_token."
)
OTP_INVALID = _(
    "The second-factor code is not right, or was already used. Codes from "
    "the app change every 30 seconds; each backup code works once."
)
OTP_NOT_ENROLLED = _(
    "This account has no second factor yet: log in on the website once to "
    "set up the authenticator app, then log in here with its code."
)
OTP_HELP = _(
    "Required for staff accounts (grid workers, clerks, leaders, committee, "
    "administrators): the 6-digit code from the authenticator app, or a "
    "backup code. Residents leave it out."
)


class AuditedTokenObtainSerializer(TokenObtainPairSerializer):
    """The password, then the second factor where the site asks for one,
    then the tokens. simplejwt sends no user_logged_in: the audit record of
    a token login is written here (a wrong password is recorded from the
    user_login_failed that its authenticate() call sends)."""

    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=32,
        trim_whitespace=True,
        help_text=OTP_HELP,
    )

    def validate(self, attrs):
        code = attrs.pop(OTP_FIELD, "") or ""
        # The password (django-axes refuses a locked account first); sets
        # self.user or raises.
        data = TokenObtainSerializer.validate(self, attrs)
        self._check_second_factor(code, attrs)
        refresh = self.get_token(self.user)
        data["refresh"] = str(refresh)
        data["access"] = str(refresh.access_token)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        audit.login_succeeded(user=self.user, request=self.context.get("request"))
        return data

    def _check_second_factor(self, code: str, attrs) -> None:
        user = self.user
        if not second_factor.needs_second_factor(user):
            return
        if not second_factor.has_confirmed_device(user):
            message, reason = OTP_NOT_ENROLLED, "otp_not_enrolled"
        elif not code:
            message, reason = OTP_REQUIRED, "otp_required"
        elif second_factor.check_code(user, code) is None:
            message, reason = OTP_INVALID, "otp_invalid"
        else:
            return
        # A failed login like a wrong password: axes counts it (and may lock
        # the account; AxesMiddleware then answers 429), the audit log
        # records it.
        user_login_failed.send(
            sender=__name__,
            credentials={self.username_field: attrs[self.username_field]},
            request=self.context.get("request"),
        )
        # simplejwt's shape, which the API's exception handler turns into
        # {"message", "extra": {"code"}}.
        raise exceptions.AuthenticationFailed({"detail": message, "code": reason})


@extend_schema(
    tags=["auth"],
    summary="Log in (username or mobile + password, and the second factor)",
    description=(
        "Staff accounts (grid workers, clerks, leaders) also send `otp_token`: "
        "the code from the authenticator app or a backup code. Without it, or "
        "with a wrong one, the answer is 401 with `extra.code` `otp_required`, "
        "`otp_invalid` or `otp_not_enrolled`; each counts as a failed login "
        "toward the lockout (429, `locked_out`)."
    ),
    examples=[
        OpenApiExample(
            "Grid worker",
            value={"username": "gridworker1", "password": "…", "otp_token": "123456"},
            request_only=True,
        ),
        OpenApiExample(
            "Resident", value={"username": "resident1", "password": "…"},
            request_only=True,
        ),
    ],
)
class TokenObtainApi(TokenObtainPairView):
    serializer_class = AuditedTokenObtainSerializer


@extend_schema(tags=["auth"], summary="Get a new access token (rotates refresh)")
class TokenRefreshApi(TokenRefreshView):
    pass


@extend_schema(
    tags=["auth"],
    summary="Log out: revoke the refresh token",
    description=(
        "Logging out ends every other session of the user as well: the other "
        "phones' tokens and the web sessions, as logging out on the site does."
    ),
)
class TokenLogoutApi(TokenBlacklistView):
    def post(self, request, *args, **kwargs):
        user = _token_user(request.data.get("refresh"))
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and user is not None:
            end_all_sessions(user)
        return response


def _token_user(token):
    """The active user a valid refresh token names, or None."""
    try:
        user_id = RefreshToken(token)[api_settings.USER_ID_CLAIM]
    except (TokenError, KeyError, TypeError):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
