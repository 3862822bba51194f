from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# The admin index titles each app by its AppConfig.verbose_name; these
# libraries give English ones without gettext ("Axes", "Otp_Totp",
# "Otp_Static"). They are named here rather than by AppConfig subclasses in
# INSTALLED_APPS because the bench looks for the plain entry
# "django_otp.plugins.otp_totp" there (bench/run.py, bench/querycount.py).
THIRD_PARTY_APP_NAMES = {
    "axes": _("Login lockout"),
    "otp_totp": _("Second factor: authenticator apps"),
    "otp_static": _("Second factor: backup codes"),
}


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and departments")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import signals

        from portal.accounts import lockout, sessions

        for label, verbose_name in THIRD_PARTY_APP_NAMES.items():
            if label in apps.app_configs:
                apps.app_configs[label].verbose_name = verbose_name

        signals.user_logged_in.connect(
            sessions.on_login, dispatch_uid="accounts.sessions.on_login"
        )
        signals.user_logged_out.connect(
            sessions.on_logout, dispatch_uid="accounts.sessions.on_logout"
        )
        user_locked_out.connect(
            lockout.on_locked_out, dispatch_uid="accounts.lockout.on_locked_out"
        )
