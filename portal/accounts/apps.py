from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and departments")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import signals

        from portal.accounts import lockout, sessions

        signals.user_logged_in.connect(
            sessions.on_login, dispatch_uid="accounts.sessions.on_login"
        )
        signals.user_logged_out.connect(
            sessions.on_logout, dispatch_uid="accounts.sessions.on_logout"
        )
        user_locked_out.connect(
            lockout.on_locked_out, dispatch_uid="accounts.lockout.on_locked_out"
        )
