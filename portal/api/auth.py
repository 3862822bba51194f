"""Phone login with simplejwt: a short-lived access token and a refresh token
that rotates on every use; the used one is blacklisted, and logging out
blacklists the current one, so a lost phone's session can be ended."""

from drf_spectacular.utils import extend_schema
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)


@extend_schema(tags=["auth"], summary="Log in (username or mobile + password)")
class TokenObtainApi(TokenObtainPairView):
    pass


@extend_schema(tags=["auth"], summary="Get a new access token (rotates refresh)")
class TokenRefreshApi(TokenRefreshView):
    pass


@extend_schema(tags=["auth"], summary="Log out: revoke the refresh token")
class TokenLogoutApi(TokenBlacklistView):
    pass
