"""The whistle admin: read-only, scoped like the site pages, nothing deleted.
Changes go through grid.whistle.services (the strike-off action here, the
forms on the whistle file page)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from grid.whistle import policies, selectors, services
from grid.whistle.models import NegativeListEntry, Whistle, WhistleSummons
from portal.admin_mixins import ReadOnlyAdminMixin

STRUCK_OFF_COUNT = _("%(count)d whistles struck off.")
REFUSED = _("%(whistle)s: %(errors)s")


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class SummonsInline(admin.TabularInline):
    model = WhistleSummons
    extra = 0
    can_delete = False
    fields = [
        "department",
        "due_at",
        "reported_at",
        "reported_by",
        "task",
        "task_due_at",
        "task_done_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ["case", "street", "blown_at", "approved_by", "struck_off_at"]
    list_select_related = ["case", "street", "approved_by"]
    list_filter = [("struck_off_at", admin.EmptyFieldListFilter)]
    inlines = [SummonsInline]
    actions = ["strike_off"]
    readonly_fields = [
        "case",
        "street",
        "reason",
        "blown_by",
        "blown_at",
        "approved_by",
        "approved_at",
        "committee_notified_at",
        "committee_acknowledged_by",
        "committee_acknowledged_at",
        "reminded_at",
        "struck_off_at",
        "struck_off_by",
    ]

    def get_queryset(self, request):
        return selectors.whistles_for_user(request.user)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        # The history pages (django-simple-history) ask with an object read
        # from the history table, not through get_queryset: check its scope
        # here, or any staff member could read any whistle's history.
        return obj is None or (
            selectors.whistles_for_user(user).filter(pk=obj.pk).exists()
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description=_("Strike off (the matter is closed)"))
    def strike_off(self, request, queryset):
        done = 0
        for whistle in queryset:
            if not policies.can_strike_off(request.user, whistle):
                continue
            try:
                services.whistle_strike_off(whistle=whistle, actor=request.user)
            except services.WhistleError as error:
                self.message_user(
                    request,
                    REFUSED % {"whistle": whistle, "errors": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, STRUCK_OFF_COUNT % {"count": done})


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(ReadOnlyAdmin):
    list_display = ["department", "reason", "due_at", "year", "recorded_at"]
    list_select_related = ["department"]
    list_filter = ["year", "reason"]
    readonly_fields = [
        "summons",
        "department",
        "reason",
        "due_at",
        "year",
        "recorded_at",
    ]

    def has_view_permission(self, request, obj=None):
        return policies.can_view_negative_list(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)
