"""The phones' API tokens (issue 7). simplejwt issues a short access token
(JWT_ACCESS_MINUTES, 10) and a refresh token (JWT_REFRESH_DAYS, 7) that
rotates on every use; every refresh token issued is recorded
(OutstandingToken). Revoking blacklists them: the phone cannot get a new
access token, and the one it holds expires within minutes."""

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)


@transaction.atomic
def api_tokens_revoke(*, user) -> int:
    """Blacklist every live refresh token of the user; return how many."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = [BlacklistedToken(token=token) for token in live]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)
