"""The backup codes in the admin: who has them, when they were last used,
how many are left; never a code or its hash. Deleting a user's backup codes
(with the authenticator device, for a lost phone) lets them enrol again at
the next login (docs/security.md, "Second factor")."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import BackupCodeDevice


@admin.register(BackupCodeDevice)
class BackupCodeDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "codes_left", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "name", "codes_left", "created_at", "last_used_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(codes_count=Count("codes"))

    @admin.display(description=_("unused codes"))
    def codes_left(self, obj):
        return obj.codes_count

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
