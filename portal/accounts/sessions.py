"""Session rules (issue 7): when a login started and was last used, the
timeouts that follow from them, and ending every session of a user.

Timestamps are kept in the session itself (epoch seconds), so the rules work
with any session backend (database, cache, signed cookies).
"""

import time

from django.conf import settings

from portal.accounts.passwords import PASSWORD_CHANGE_REQUIRED_KEY

LOGIN_AT_KEY = "_yiwang_login_at"
LAST_SEEN_KEY = "_yiwang_last_seen"
# The last-seen time is written at most this often (seconds), so that not
# every page view writes the session.
LAST_SEEN_RESOLUTION = 30


def on_login(sender, request, user, **kwargs):
    """user_logged_in receiver: stamp the new session."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LOGIN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    if getattr(user, "password_change_required", False):
        request.session[PASSWORD_CHANGE_REQUIRED_KEY] = True
    else:
        request.session.pop(PASSWORD_CHANGE_REQUIRED_KEY, None)


def on_logout(sender, request, user, **kwargs):
    """user_logged_out receiver: logging out on one device logs out all."""
    if user is not None:
        end_all_sessions(user)


def end_all_sessions(user) -> None:
    """End every session of the user, on every device, with any session
    backend: the session auth hash changes (see User.get_session_auth_hash)
    and Django drops each session whose stored hash no longer matches. The
    phone app's logins (API refresh tokens) end too."""
    from portal.accounts.tokens import api_tokens_revoke

    user.rotate_session_token()
    api_tokens_revoke(user=user)


def timed_out(request, now: int | None = None) -> bool:
    """Whether the logged-in session has been idle, or open, for too long."""
    session = request.session
    now = int(time.time()) if now is None else now
    staff = request.user.is_staff
    idle_limit = (
        settings.SESSION_IDLE_TIMEOUT_STAFF
        if staff
        else settings.SESSION_IDLE_TIMEOUT_RESIDENT
    )
    absolute_limit = (
        settings.SESSION_ABSOLUTE_TIMEOUT_STAFF
        if staff
        else settings.SESSION_ABSOLUTE_TIMEOUT_RESIDENT
    )
    login_at = session.get(LOGIN_AT_KEY)
    last_seen = session.get(LAST_SEEN_KEY, login_at)
    if login_at is None:
        # A session from before these rules: start counting now.
        session[LOGIN_AT_KEY] = session[LAST_SEEN_KEY] = now
        return False
    if idle_limit and now - last_seen > idle_limit:
        return True
    if absolute_limit and now - login_at > absolute_limit:
        return True
    if now - last_seen >= LAST_SEEN_RESOLUTION:
        # Only ever forward: a clock set back does not make a session older.
        session[LAST_SEEN_KEY] = now
    return False
