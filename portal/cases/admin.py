"""The clerks' admin for cases. It delegates: the queryset is visible_cases,
permissions come from portal.cases.policies, and every change goes through
portal.cases.workflow, as a bulk action on the list or as a button on the case
page (portal.cases.admin_views). The case page itself is read-only: nothing is
edited in a form, and nothing that holds a case can be deleted here."""

import datetime
import functools
import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.urls import path
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.audit import services as audit
from portal.cases import (
    admin_calendar,  # noqa: F401  (registers HolidayYear)
    admin_views,
    policies,
    workflow,
)
from portal.cases.admin_changelist import (
    AssigneeFilter,
    CappedCountPaginator,
    CaseChangeList,
    VisibleCategoryFilter,
    VisibleDepartmentFilter,
    WarningColourFilter,
    _memo,
)
from portal.cases.admin_records import HistoryRows, RecordTable, readonly_fieldsets
from portal.cases.form_fields import labelled_details
from portal.cases.history import diffed_fields
from portal.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    DeadlinePolicy,
    ServiceCategory,
)
from portal.cases.models.case import case_name
from portal.cases.selectors import (
    case_is_visible,
    case_search_q,
    granted_department_ids,
    sees_all_cases,
    visible_cases,
)
from portal.cases.warnings import Colour, with_warning_colour
from portal.prepared import object_by_pk

BULK_ACCEPTED = _("%(count)d cases accepted.")
BULK_ASSIGNED = _("%(count)d cases assigned to you.")
BULK_REFUSED = _("%(case)s: %(errors)s")
SEARCH_HELP = _(
    "A full tracking number (such as 2026-0000123) finds that case; anything "
    "else searches the titles and the applicants' names (every word must be "
    "found)."
)

TRACKING_NUMBER = re.compile(r"^\d{4}-\d{7}$")
# The people and places a case's admin page shows beside it.
CASE_PAGE_RELATED = ("category", "department", "applicant", "submitter", "assignee")


def is_case_staff(user) -> bool:
    """Staff who work with cases: department members, the committee, admins."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or sees_all_cases(user) or user.memberships.exists())
    )


def _is_case_staff(request) -> bool:
    """is_case_staff for the request's user, without a query of its own: a
    department member holds the department group's grant, so the departments
    whose cases the user sees (granted_department_ids, which visible_cases
    and the list filters read, kept for the request) answer it. Not the list
    filters' choices: on the case and history pages their query (the
    departments joined to their categories) was made for this answer alone.
    Staff without any grant and without the committee's permission are not
    case staff."""
    user = request.user

    def compute():
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser or sees_all_cases(user):
            return True
        return bool(granted_department_ids(user))

    return _memo(request, "staff", compute)


def _history_value(record, field, related):
    """A field of a history row as a clerk reads it; a related object from
    `related` ({model: {id: object}}, history_related_objects)."""
    value = getattr(record, field.attname)
    if field.is_relation:
        if value is None:
            return "-"
        found = related.get(field.related_model, {}).get(value)
        return str(value if found is None else found)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)) or "-"
    if value in (None, ""):
        return "-"
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value))
    return str(value)


def history_record_name(record) -> str:
    """str() of a case's history record's case (its history page's first
    cell), from the two fields Case.__str__ reads."""
    return case_name(record.tracking_number, record.title)


def changed_fields(older, newer, fields) -> list:
    return [f for f in fields if getattr(older, f.attname) != getattr(newer, f.attname)]


def history_related_objects(pairs) -> dict:
    """The related objects (category, department, people, a duplicated case)
    that the changes of these (older, newer, fields) pairs name, by model and
    id: one query per related model, and only for the relations that change
    somewhere on the page, so never more than four (User, Department,
    ServiceCategory, Case) however long the history.

    Joining every relation of every history row instead (simple-history's
    select_related of each tracked foreign key) built seven related objects
    per row, five of them users, to show the few that changed: 11.4 of the
    history page's 45 ms of CPU for the bench's 42-step case, against 5.1
    with only the acting user joined (bench/overhead.py, 100k cases)."""
    wanted = {}
    for older, newer, fields in pairs:
        for field in fields:
            if field.is_relation:
                ids = wanted.setdefault(field.related_model, set())
                for record in (older, newer):
                    value = getattr(record, field.attname)
                    if value is not None:
                        ids.add(value)
    return {
        model: model._default_manager.in_bulk(ids)
        for model, ids in wanted.items()
        if ids
    }


def case_field_changes(
    older, newer, fields=None, related=None, labels=None
) -> list[dict]:
    """What changed from one history row of a case to the next, over the
    fields portal.cases.history diffs (the workflow's fields included, which
    simple-history's own diff_against leaves out as editable=False). labels:
    the fields' names as shown, by field, where a page has worked them out
    once."""
    if fields is None:
        fields = changed_fields(older, newer, diffed_fields())
    if related is None:
        related = history_related_objects([(older, newer, fields)])
    if labels is None:
        labels = {}
    return [
        {
            "field": labels.get(field) or capfirst(field.verbose_name),
            "old": _history_value(older, field, related),
            "new": _history_value(newer, field, related),
        }
        for field in fields
    ]


class CaseInlineMixin:
    """The case's files and timeline, read-only, for staff who may read its
    internal entries."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return _is_case_staff(request)
        return _memo(
            request,
            ("internal", obj.pk),
            lambda: policies.can_view_internal(request.user, obj),
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(CaseInlineMixin, admin.TabularInline):
    model = CaseEvent
    fields = ("created_at", "kind", "actor", "is_public", "message", "internal_note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        # What the table shows (RecordTable): the actor by name, so no
        # identity number to decrypt, and none of the event's data. The
        # bench's 42 entries: 1.98 -> 1.43 ms of CPU (bench/overhead.py's
        # settings, 100k cases).
        return (
            super()
            .get_queryset(request)
            .select_related("actor")
            .only(*self.fields, "case", "actor__username", "actor__real_name")
        )

    def record_label(self, event) -> str:
        """str(event), "<case id> <kind>", with the kinds' labels looked up
        once per language (get_kind_display rebuilds its choices for every
        entry)."""
        labels = event_kind_labels(get_language())
        return f"{event.case_id} {labels.get(event.kind, event.kind)}"


class AttachmentInline(CaseInlineMixin, admin.TabularInline):
    model = Attachment
    fields = (
        "download",
        "content_type",
        "size",
        "is_internal",
        "uploaded_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name
        )

    def get_queryset(self, request):
        # What the table shows (RecordTable): the uploader by name.
        return (
            super()
            .get_queryset(request)
            .select_related("uploaded_by")
            .only(
                "case",
                "original_name",
                "content_type",
                "size",
                "is_internal",
                "uploaded_by",
                "created_at",
                "uploaded_by__username",
                "uploaded_by__real_name",
            )
        )


@functools.cache
def event_kind_labels(language) -> dict:
    """The timeline entries' kinds in the language, translated once."""
    return {kind: str(label) for kind, label in CaseEvent.Kind.choices}


@functools.cache
def colour_labels(language) -> dict:
    """The warning colours' labels in the language (the list shows one per
    row: translated once, not 50 times a page)."""
    return {colour.value: str(colour.label) for colour in Colour}


def person_summary(user) -> str:
    """A person as the admin shows one: name and masked mobile, never the full
    resident identity number."""
    if user is None:
        return "-"
    parts = [user.display_name, user.masked_mobile]
    return " ".join(part for part in parts if part)


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = (
        "tracking_number",
        "title",
        "category",
        "department",
        "applicant_column",
        "assignee",
        "status",
        "colour",
        "stage_due_at",
        "submitted_at",
    )
    list_filter = (
        "status",
        WarningColourFilter,
        AssigneeFilter,
        ("category", VisibleCategoryFilter),
        ("department", VisibleDepartmentFilter),
        ("submitted_at", admin.DateFieldListFilter),
        "kind",
    )
    search_fields = ("title", "applicant__real_name")
    search_help_text = SEARCH_HELP
    list_select_related = ("category", "department", "applicant", "assignee")
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_form_template = "admin/cases/case/change_form.html"
    # The case's files and timeline: read-only inlines, drawn without forms
    # by portal.cases.admin_records (render_change_form).
    record_inlines = [AttachmentInline, CaseEventInline]
    readonly_fields = (
        "tracking_number",
        "kind",
        "category",
        "title",
        "description",
        "details_rows",
        "applicant_summary",
        "submitter",
        "department",
        "assignee",
        "status",
        "stage",
        "stage_due_at",
        "submitted_at",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "outcome",
        "reply",
        "outcome_basis",
        "outcome_redirect",
        "duplicate_of",
        "verdict",
        "rating",
        "rating_comment",
    )
    fields = readonly_fields
    actions = ["accept_selected", "assign_selected_to_me"]

    def get_queryset(self, request):
        cases = self._visible_cases(request)
        # The warning colour as SQL only where a list may sort by it (a list
        # sorted by any column; the colour is one): the list's rows work
        # their colours out in Python (portal.cases.list_rows) and the
        # colour filter has conditions of its own (colour_q). Building the
        # expression was ~3 % of the default list's calls at 10M.
        if ORDER_VAR in request.GET:
            return with_warning_colour(cases)
        return cases

    def _visible_cases(self, request):
        return visible_cases(request.user).select_related(*CASE_PAGE_RELATED)

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def get_urls(self):
        workflow_view = self.admin_site.admin_view(self.workflow_view)
        return [
            path(
                "<path:object_id>/workflow/<slug:action>/",
                workflow_view,
                name="cases_case_workflow",
            ),
            *super().get_urls(),
        ]

    def workflow_view(self, request, object_id, action):
        return admin_views.case_workflow_view(self, request, unquote(object_id), action)

    def get_search_results(self, request, queryset, search_term):
        """A full tracking number is an exact, indexed lookup; anything else
        is split into words, and each word must be in the title or the
        applicant's name (portal.cases.selectors.case_search_q; the page
        reads the hits from the newest rows or the department-keyed bigram
        index on PostgreSQL, CaseChangeList.get_search_results, so that
        two-character Chinese words are indexed)."""
        term = search_term.strip()
        if TRACKING_NUMBER.match(term):
            return queryset.filter(tracking_number=term), False
        for word in term.split():
            queryset = queryset.filter(case_search_q(word))
        return queryset, False

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["case_actions"] = [
                {
                    "name": action.name,
                    "label": action.label,
                    "url": admin_views.action_url(obj, action),
                }
                for action in admin_views.available_actions(request.user, obj)
            ]
            context["case_record_tables"] = self.record_tables(request, obj)
            context["case_fieldsets"] = readonly_fieldsets(context["adminform"])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def record_tables(self, request, obj) -> list[RecordTable]:
        site = self.admin_site
        inlines = [inline(self.model, site) for inline in self.record_inlines]
        return [
            RecordTable(inline, request, obj)
            for inline in inlines
            if inline.has_view_permission(request, obj)
        ]

    @admin.display(description=_("warning"), ordering="warning_colour")
    def colour(self, obj):
        return colour_labels(get_language())[obj.warning_colour]

    @admin.display(description=_("applicant"), ordering="applicant__real_name")
    def applicant_column(self, obj):
        return person_summary(obj.applicant)

    @admin.display(description=_("details"))
    def details_rows(self, obj):
        """The category's extra fields (Case.details) as "label: value" lines;
        a key the category no longer defines keeps its key as label. Every
        part is escaped."""
        rows = labelled_details(
            obj.category.form_fields if obj.category_id else [],
            obj.details,
            keep_unknown=True,
        )
        if not rows:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)

    @admin.display(description=_("applicant"))
    def applicant_summary(self, obj):
        user = obj.applicant
        if user is None:
            return "-"
        return " · ".join(
            part
            for part in (user.display_name, user.masked_mobile, user.masked_resident_id)
            if part
        )

    # --- permissions: the policy decides -------------------------------------

    def has_module_permission(self, request):
        return _is_case_staff(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return _is_case_staff(request)
        return _memo(
            request, ("view", obj.pk), lambda: policies.can_view(request.user, obj)
        )

    def has_handle_permission(self, request, obj=None):
        """May take workflow steps (the committee never: it only oversees)."""
        if policies.is_read_only_overseer(request.user) or not _is_case_staff(request):
            return False
        return obj is None or policies.can_handle(request.user, obj)

    def has_change_permission(self, request, obj=None):
        # Nothing on a case is edited in a form; every change is a workflow
        # step (the actions and buttons), so the case page is read-only.
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- history -------------------------------------------------------------

    def _visible_or_404(self, request, object_id):
        try:
            pk = Case._meta.pk.to_python(unquote(object_id))
            visible = visible_cases(request.user).filter(pk=pk).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            audit.access_refused(
                user=request.user, object_type="cases.case", object_id=object_id
            )
            raise Http404
        # The answer of policies.can_view (visible_cases): the history page's
        # permission check asks it again for the same case.
        _memo(request, ("view", pk), lambda: True)

    def get_object(self, request, object_id, from_field=None):
        # The admin answers an invisible case as a missing one; that refusal
        # is an audit record. The warning colour is the list's (a column, a
        # filter, an order), not the case page's: it is left out here (0.7
        # ms of CPU a page, 100k cases).
        opts = Case._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        return self._visible_case(request, object_id, CASE_PAGE_RELATED, field)

    def _visible_case(self, request, object_id, related=(), field=Case._meta.pk):
        """The case of that id (with the ``related`` objects the page needs
        read in the same query; by its id through object_by_pk, SQL compiled
        once) if the user may see it (case_is_visible: visible_cases'
        answer, without building its query for a case already read), or
        None, which is recorded as a refused access. A case found here is
        visible, so has_view_permission need not ask the policy again."""
        try:
            value = field.to_python(object_id)
            if field.primary_key:
                case = object_by_pk(Case, value, related)
            else:
                case = Case.objects.select_related(*related).get(**{field.name: value})
        except (Case.DoesNotExist, ValidationError, ValueError):
            case = None
        if case is not None and not case_is_visible(request.user, case):
            case = None
        if case is None:
            audit.access_refused(
                user=request.user, object_type="cases.case", object_id=object_id
            )
        else:
            _memo(request, ("view", case.pk), lambda: True)
        return case

    def history_view(self, request, object_id, extra_context=None):
        """simple-history's history page (SimpleHistoryAdmin.history_view,
        the same context), with the case read once, through visible_cases
        and without the joins and the warning colour that nothing on the
        page shows. simple-history's own view read it twice (a visibility
        check of ours first, then its get_queryset().get(), which joined five
        relations and computed the colour) and, for a case it did not find,
        showed the history of its last version: here that is a 404."""
        request.current_app = self.admin_site.name
        case = self._visible_case(request, unquote(object_id))
        if case is None:
            raise Http404
        if not self.has_view_history_or_change_history_permission(request, case):
            raise PermissionDenied
        opts = Case._meta
        records = self.get_history_queryset(
            request, Case.history, opts.pk.attname, case.pk
        )
        list_display = self.get_history_list_display(request)
        paginator = Paginator(records, self.history_list_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR))
        for name in list_display:
            value_for_entry = getattr(self, name, None)
            if value_for_entry and callable(value_for_entry):
                for record in page_obj.object_list:
                    setattr(record, name, value_for_entry(record))
        self.set_history_delta_changes(request, page_obj)
        user_opts = get_user_model()._meta
        context = {
            "title": self.history_view_title(request, case),
            "object_history_list_template": self.object_history_list_template,
            "page_obj": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.history_list_per_page,
            "module_name": capfirst(str(opts.verbose_name_plural)),
            "object": case,
            "root_path": getattr(self.admin_site, "root_path", None),
            "app_label": opts.app_label,
            "opts": opts,
            "admin_user_view": (
                f"admin:{user_opts.app_label}_{user_opts.model_name}_change"
            ),
            "history_list_display": list_display,
            "revert_disabled": self.revert_disabled(request, case),
            **self.admin_site.each_context(request),
            **(extra_context or {}),
        }
        return self.render_history_view(request, self.object_history_template, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        if request.method != "GET":
            # simple-history saves a posted past version as the current case
            # whatever revert_disabled says (it only hides the button): that
            # would rewrite status outside the workflow. Past versions are
            # read-only.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_view_history_permission(self, request, obj=None):
        return obj is None or policies.can_view_internal(request.user, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        # simple-history asks this before a history page, and without
        # SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS answers it with
        # has_view_permission (can_view): staff who see a case only as its
        # reporter (a grid worker) or applicant read its history, whose
        # change reasons carry the handling department's internal notes.
        return self.has_view_history_permission(request, obj)

    object_history_list_template = "admin/cases/case/object_history_list.html"

    def render_history_view(self, request, template, context, **kwargs):
        if "page_obj" not in context:  # a past version's page (history_form_view)
            return super().render_history_view(request, template, context, **kwargs)
        context["case_history"] = HistoryRows(
            context["page_obj"],
            object_pk=context["object"].pk,
            opts=context["opts"],
            admin_user_view=context["admin_user_view"],
            columns=context["history_list_display"],
            current_app=request.current_app,
            object_text=history_record_name,
        )
        return super().render_history_view(request, template, context, **kwargs)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # The acting user of each row is shown; the other relations only
        # where they change (history_related_objects), so they are not joined.
        # The acting user by name only (0.3 of the 42 rows' ~3.8 ms of CPU).
        names = [field.name for field in history_manager.model._meta.concrete_fields]
        return (
            history_manager.filter(**{pk_name: object_id})
            .select_related("history_user")
            .only(*names, "history_user__username", "history_user__real_name")
        )

    def set_history_delta_changes(
        self, request, historical_records, foreign_keys_are_objs=True
    ):
        records = list(historical_records)  # newest first
        fields = diffed_fields()
        pairs = [
            (older, newer, changed_fields(older, newer, fields))
            for newer, older in zip(records, records[1:], strict=False)
        ]
        related = history_related_objects(pairs)
        # Each field's name translated once a page, not once per change.
        labels = {field: str(capfirst(field.verbose_name)) for field in fields}
        for older, newer, changed in pairs:
            newer.history_delta_changes = case_field_changes(
                older, newer, changed, related, labels
            )

    def revert_disabled(self, request, obj=None):
        return True

    # --- bulk actions: a loop of workflow calls ------------------------------

    def _bulk(self, request, queryset, step, done_message):
        done = 0
        for case in queryset:
            try:
                step(case)
                done += 1
            except ValidationError as error:
                self.message_user(
                    request,
                    BULK_REFUSED
                    % {
                        "case": case.tracking_number,
                        "errors": " ".join(error.messages),
                    },
                    messages.ERROR,
                )
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Accept the selected cases"), permissions=["handle"])
    def accept_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda case: workflow.accept_case(case=case, actor=request.user),
            BULK_ACCEPTED,
        )

    @admin.action(
        description=_("Assign the selected cases to me"), permissions=["handle"]
    )
    def assign_selected_to_me(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda case: workflow.assign_case(
                case=case, actor=request.user, assignee=request.user
            ),
            BULK_ASSIGNED,
        )


class DeadlinePolicyInline(admin.TabularInline):
    model = DeadlinePolicy
    extra = 0


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "topic", "department", "is_active", "sort_order")
    list_filter = ("topic", "is_active", "department")
    search_fields = ("name", "code")
    list_select_related = ("department",)
    inlines = [DeadlinePolicyInline]

    def has_delete_permission(self, request, obj=None):
        return False
