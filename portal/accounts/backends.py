from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.accounts.passwords import staff_password_acceptable


def find_account(identifier: str):
    """The account a login identifier names: a mobile number (11 digits) or
    a username. None when there is none."""
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(mobile=identifier).first()
        if identifier.isdigit() and len(identifier) == 11
        else None
    ) or user_model._default_manager.filter(username=identifier).first()


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: refuses a
    locked-out account before any password is checked.

    Every login door passes the request (the site's and the admin's login
    forms, the API token endpoint). authenticate() without a request comes
    from code on the server itself (a shell, a command, a test), which has no
    door to lock: it is let through to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class UsernameOrMobileBackend(ModelBackend):
    """Log in with either the username or the mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user = find_account(username)
        if user is None:
            # Run the hasher anyway so timing does not tell which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.is_staff and not staff_password_acceptable(password, user):
                # Read at login (portal.accounts.sessions.on_login): the
                # staff member is sent to change the password first.
                user.password_change_required = True
            return user
        return None
