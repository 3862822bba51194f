"""Small pieces the apps' admins share."""


class ReadOnlyAdminMixin:
    """A model admin that shows records and never adds, changes or deletes
    them (logs, notifications, whistle files, grid events: they change only
    through their services). Put it before the ModelAdmin class."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
