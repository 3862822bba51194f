"""Texts of Django and of libraries we use that have no Simplified Chinese
translation upstream: Django 5.2's newer admin texts, django-axes (no Chinese
at all) and simplejwt's token blacklist. Marking them here puts them in
locale/zh_Hans, which Django prefers to the libraries' own catalogues
(LOCALE_PATHS come first), so the admin reads Chinese throughout.

Nothing imports this module: makemessages reads it. Each msgid must be the
library's exactly, typographic apostrophes included.
"""

from django.utils.translation import gettext_noop

STRINGS = [
    # django.contrib.admin: admin/app_list.html (screen-reader column heads)
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django.contrib.admin: admin/auth/user/add_form.html
    gettext_noop(
        "After you’ve created a user, you’ll be able to edit more user options."
    ),
    # django-axes: app, models and admin
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access lock out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop(
        "Account locked: too many login attempts. Contact an admin to unlock your "
        "account."
    ),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Locked Out"),
    # simplejwt's token blacklist (rest_framework_simplejwt.token_blacklist)
    gettext_noop("Token Blacklist"),
    gettext_noop("Outstanding Token"),
    gettext_noop("Outstanding Tokens"),
    gettext_noop("Blacklisted Token"),
    gettext_noop("Blacklisted Tokens"),
    gettext_noop("Token for %(user)s (%(jti)s)"),
    gettext_noop("Blacklisted token for %(user)s"),
    gettext_noop("jti"),
    gettext_noop("created at"),
    gettext_noop("expires at"),
]
