"""Admin for grids, their members, grid events and Open311 clients.

It delegates: querysets come from grid.policies / visible_cases, and every
change goes through grid.services (history rows carry the acting user). The
import page checks a CSV/XLSX file row by row and saves it only when nothing
is wrong (grid.importers)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from grid import importers, policies, services
from grid.models import Grid, GridEvent, GridMember, Open311Client
from portal.accounts.admin_grants import JoinsGroupFormSet
from portal.admin_mixins import ReadOnlyAdminMixin
from portal.cases.selectors import visible_cases

IMPORT_TITLE = _("Import grids from a spreadsheet")
IMPORT_CLEAN_DRY_RUN = _(
    "No problems in %(rows)d rows. Untick “dry run” and upload the file again "
    "to import it."
)
IMPORT_DONE = _(
    "Imported: %(created)d grids created, %(updated)d updated, %(members)d "
    "member roles set."
)
IMPORT_FAILED = _("%(count)d problems: nothing was saved.")
KEY_SHOWN_ONCE = _(
    "The API key of %(client)s is %(key)s — copy it now: it is stored only as "
    "a hash and cannot be shown again."
)


class GridImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: community, code, name, centre_latitude, centre_longitude, "
            "boundary, head, workers, informants (or their Chinese headings)."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check every row, save nothing"), required=False, initial=True
    )


class GridMemberFormSet(JoinsGroupFormSet):
    """A grid member becomes a clerk of the grid's community (its group)."""

    def joined_group(self):
        community_id = self.instance.community_id
        return self.instance.community.group if community_id else None


class GridMemberInline(admin.TabularInline):
    model = GridMember
    formset = GridMemberFormSet
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role"]


@admin.register(Grid)
class GridAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "community", "member_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "community__name"]
    list_select_related = ["community"]
    inlines = [GridMemberInline]
    change_list_template = "grid/admin/grid_changelist.html"
    fields = [
        "community",
        "code",
        "name",
        "centre_latitude",
        "centre_longitude",
        "boundary",
        "is_active",
    ]

    def get_queryset(self, request):
        return policies.administrable_grids(request.user).annotate(
            member_total=Count("members")
        )

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, grid):
        return grid.member_total

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        grid, _created = services.grid_save(
            actor=request.user,
            community=obj.community,
            code=obj.code,
            name=obj.name,
            boundary=obj.boundary,
            centre=(obj.centre_latitude, obj.centre_longitude),
            is_active=obj.is_active,
        )
        obj.pk = grid.pk

    def save_formset(self, request, form, formset, change):
        if formset.model is not GridMember:
            return super().save_formset(request, form, formset, change)
        # what the admin's change message reads
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for inline in formset.forms:
            if not hasattr(inline, "cleaned_data") or not inline.cleaned_data:
                continue
            member = inline.instance
            if inline.cleaned_data.get("DELETE"):
                if member.pk:
                    services.grid_member_remove(
                        actor=request.user, grid=form.instance, user=member.user
                    )
                    formset.deleted_objects.append(member)
            elif inline.has_changed():
                saved = services.grid_member_add(
                    actor=request.user,
                    grid=form.instance,
                    user=inline.cleaned_data["user"],
                    role=inline.cleaned_data["role"],
                )
                if member.pk:
                    formset.changed_objects.append((saved, inline.changed_data))
                else:
                    formset.new_objects.append(saved)

    def has_delete_permission(self, request, obj=None):
        return False  # a grid with events is kept; deactivate it instead

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="grid_grid_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (
            self.has_add_permission(request) and self.has_change_permission(request)
        ):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = GridImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                report = importers.grid_import(
                    content=upload.read(),
                    filename=upload.name,
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
                if report.saved:
                    self.message_user(
                        request,
                        IMPORT_DONE
                        % {
                            "created": report.created,
                            "updated": report.updated,
                            "members": report.members,
                        },
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:grid_grid_changelist"))
                if report.ok:
                    self.message_user(
                        request, IMPORT_CLEAN_DRY_RUN % {"rows": len(report.rows)}
                    )
                else:
                    self.message_user(
                        request,
                        IMPORT_FAILED % {"count": len(report.problems)},
                        messages.ERROR,
                    )
        else:
            form = GridImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": IMPORT_TITLE,
            "form": form,
            "report": report,
        }
        status = 400 if report is not None and not report.ok else 200
        return TemplateResponse(
            request, "grid/admin/import.html", context, status=status
        )


@admin.register(GridEvent)
class GridEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only: events are handled on their case page."""

    list_display = ["case", "grid", "source", "created_at"]
    list_select_related = ["case", "grid"]
    list_filter = ["source"]
    search_fields = ["case__tracking_number"]
    fields = [
        "case",
        "grid",
        "latitude",
        "longitude",
        "address",
        "source",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(case__in=visible_cases(request.user))
        )


@admin.register(Open311Client)
class Open311ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "key_prefix", "acts_as", "is_active", "created_at"]
    fields = ["name", "acts_as", "is_active", "key_prefix"]
    readonly_fields = ["key_prefix"]
    raw_id_fields = ["acts_as"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if change:
            obj.save()
            return
        key = services.open311_key_assign(client=obj)
        self.message_user(
            request, KEY_SHOWN_ONCE % {"client": obj.name, "key": key}, messages.WARNING
        )

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate a client; its requests keep pointing at it
