"""The audit log in the admin: read-only for everyone (superusers too),
searchable by actor and object, filtered by action, result and date, and
exported to CSV by the auditor; each export is itself an audit record."""

import csv

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.admin_mixins import ReadOnlyAdminMixin
from portal.audit import services
from portal.audit.models import AuditRecord
from portal.audit.receivers import is_case_data

EXPORT_PERMISSION = "audit.export_auditrecord"
CSV_HEADERS = [
    _("time"),
    _("actor (username)"),
    _("address"),
    _("action"),
    _("result"),
    _("object type"),
    _("object id"),
    _("object"),
    _("detail"),
    _("hash"),
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LIMIT = 100_000
EXPORT_TOO_LARGE = _(
    "Too many records to export at once: narrow the list with the filters "
    "or the search first."
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_username",
        "address",
        "action",
        "result",
        "object_type",
        "object_id",
        "object_repr",
    )
    list_filter = ("action", "result", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_username", "object_repr", "=object_id", "=address")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    actions = ["export_csv"]
    show_full_result_count = False

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_active and user.is_staff and user.has_perm(
            "audit.view_auditrecord"
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request) and request.user.has_perm(
            EXPORT_PERMISSION
        )

    @admin.action(
        description=_("Export the selected records as CSV"), permissions=["export"]
    )
    def export_csv(self, request, queryset):
        count = queryset.count()
        if count > EXPORT_LIMIT:
            self.message_user(request, EXPORT_TOO_LARGE, messages.ERROR)
            return None
        services.record(
            action=AuditRecord.Action.EXPORT,
            request=request,
            object_type="audit.auditrecord",
            detail={"format": "csv", "rows": count},
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        response.write("\ufeff")  # Excel reads UTF-8 only with a BOM
        writer = csv.writer(response)
        writer.writerow([_cell(header) for header in CSV_HEADERS])
        for entry in queryset.order_by("id").iterator(chunk_size=2000):
            writer.writerow(
                [
                    _cell(value)
                    for value in (
                        entry.created_at.isoformat(),
                        entry.actor_username,
                        entry.address,
                        entry.get_action_display(),
                        entry.get_result_display(),
                        entry.object_type,
                        entry.object_id,
                        entry.object_repr,
                        entry.detail,
                        entry.hash,
                    )
                ]
            )
        return response


def delete_selected(modeladmin, request, queryset):
    """Django's "delete selected" action, audited: with more than one object
    the admin writes its log entries in bulk, which sends no signal."""
    targets = []
    if request.POST.get("post") and not is_case_data(modeladmin.model):
        targets = [(obj.pk, str(obj)) for obj in queryset]
    response = django_delete_selected(modeladmin, request, queryset)
    if response is None and len(targets) > 1:
        opts = modeladmin.model._meta
        for pk, text in targets:
            services.record(
                action=AuditRecord.Action.ADMIN_DELETE,
                request=request,
                object_type=f"{opts.app_label}.{opts.model_name}",
                object_id=pk,
                object_repr=text,
            )
    return response


delete_selected.allowed_permissions = django_delete_selected.allowed_permissions
delete_selected.short_description = django_delete_selected.short_description
admin.site.add_action(delete_selected, "delete_selected")
