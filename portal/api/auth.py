"""Phone login with simplejwt: a short-lived access token and a refresh token
that rotates on every use; the used one is blacklisted, and logging out
blacklists the current one, so a lost phone's session can be ended."""

from drf_spectacular.utils import extend_schema
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from portal.audit import services as audit


class AuditedTokenObtainSerializer(TokenObtainPairSerializer):
    """simplejwt sends no user_logged_in: the audit record of a token login
    is written here (a failure is recorded from user_login_failed, which its
    authenticate() call sends)."""

    def validate(self, attrs):
        data = super().validate(attrs)
        audit.login_succeeded(user=self.user, request=self.context.get("request"))
        return data


@extend_schema(tags=["auth"], summary="Log in (username or mobile + password)")
class TokenObtainApi(TokenObtainPairView):
    serializer_class = AuditedTokenObtainSerializer


@extend_schema(tags=["auth"], summary="Get a new access token (rotates refresh)")
class TokenRefreshApi(TokenRefreshView):
    pass


@extend_schema(tags=["auth"], summary="Log out: revoke the refresh token")
class TokenLogoutApi(TokenBlacklistView):
    pass
