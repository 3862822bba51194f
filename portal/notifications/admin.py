"""Admin: channel preferences are editable (a clerk may set them for a
resident who asks at the counter); the inbox, the delivery log and the
reminders are records, shown read-only."""

from django.contrib import admin

from portal.admin_mixins import ReadOnlyAdminMixin
from portal.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    Reminder,
)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms", "email", "updated_at"]
    list_filter = ["sms", "email"]
    search_fields = ["user__username", "user__real_name"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "case", "event"]

    def has_view_permission(self, request, obj=None):
        # Messages are personal: only superusers browse other people's inboxes.
        return request.user.is_superuser


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["notification", "channel", "status", "created_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notification"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "stage", "level", "sent_at"]
    list_filter = ["level", "stage"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "event"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
