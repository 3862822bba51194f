from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.accounts.passwords import staff_password_acceptable


class UsernameOrMobileBackend(ModelBackend):
    """Log in with either the username or the mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user_model = get_user_model()
        user = (
            user_model._default_manager.filter(mobile=username).first()
            if username.isdigit() and len(username) == 11
            else None
        ) or user_model._default_manager.filter(username=username).first()
        if user is None:
            # Run the hasher anyway so timing does not tell which accounts exist.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.is_staff and not staff_password_acceptable(password, user):
                # Read at login (portal.accounts.sessions.on_login): the
                # staff member is sent to change the password first.
                user.password_change_required = True
            return user
        return None
