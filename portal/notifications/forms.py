from django import forms
from django.utils.translation import gettext_lazy as _

from portal.notifications.models import NotificationPreference

SMS_NEEDS_VERIFIED_MOBILE = _(
    "Text messages go only to a verified mobile number; until yours is "
    "verified you get messages here in the inbox."
)
EMAIL_NEEDS_ADDRESS = _("E-mail goes only to an address stored in your account.")


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["sms", "email"]
        help_texts = {"sms": SMS_NEEDS_VERIFIED_MOBILE, "email": EMAIL_NEEDS_ADDRESS}
