"""Admin for users and departments.

Only superusers manage departments; superusers and holders of the global
``change_user`` permission manage users. Clerks never see either: they work
with cases, and their departments are given to them through the services.

Resident identity numbers are masked: in the list, the change form, the
history diffs, and they cannot be probed through changelist filters either.
Holders of ``accounts.view_full_resident_id`` can reveal the full number on a
user's page or history (``?reveal=1``); every reveal is an audit record.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from portal.accounts import admin_devices  # noqa: F401 (registers its admin)
from portal.accounts import services, tokens
from portal.accounts.admin_grants import JoinsGroupFormSet, UserGrantsAdminMixin
from portal.accounts.login_forms import AdminLoginForm
from portal.accounts.masking import mask_resident_id
from portal.accounts.models import Department, StaffMembership, User
from portal.accounts.sessions import end_all_sessions
from portal.accounts.validators import normalize_resident_id
from portal.audit import services as audit

VIEW_FULL_RESIDENT_ID = "accounts.view_full_resident_id"
MANAGE_GRANTS = "accounts.manage_grants"

# The admin's login form says when an account is locked out (issue 7).
admin.site.login_form = AdminLoginForm

REAL_NAME_PROFILE = _("Real-name profile")
RESIDENT_ID_MASKED_HELP = _(
    "Shown masked: seeing the full number needs the permission to see full "
    "resident identity numbers."
)
DEPARTMENT_FIXED_FIELDS_NOTE = _(
    "The code and the supervising department cannot be changed after the "
    "department is created: its group, its place in the tree and its grants "
    "are built from them. Create a new department instead."
)
PARENT_HELP = _(
    "Cannot be changed later: the department's place in the tree and the "
    "grants of the departments above it follow from it."
)
REVERT_REFUSED = _("Reverting to an old version is not allowed here.")
REVOKE_API_TOKENS = _("Revoke the phone app's logins (API tokens)")
API_TOKENS_REVOKED = _("%(count)d API tokens revoked.")
LOG_OUT_EVERYWHERE = _("Log out everywhere (web sessions and phone app)")
LOGGED_OUT_EVERYWHERE = _("%(count)d users logged out everywhere.")
RESIDENT_ID_REVEAL = _(
    "Shown masked. Show the full number (each time is recorded in the audit log)."
)
REVEAL_PARAM = "reveal"


# -- who may do what ---------------------------------------------------------
# Kept beside the admin because nothing else asks yet; they move to
# portal/accounts/policies.py when the views or the API need them.


def can_manage_users(user) -> bool:
    """Superusers, holders of the global permission to change users (the
    system administrators: profiles, not privileges) and holders of
    manage_grants (the security administrators: privileges only)."""
    if not (user.is_active and user.is_staff):
        return False
    return (
        user.is_superuser
        or can_change_profiles(user)
        or user.has_perm(MANAGE_GRANTS)
    )


def can_change_profiles(user) -> bool:
    opts = User._meta
    return user.is_superuser or user.has_perm(
        f"{opts.app_label}.{get_permission_codename('change', opts)}"
    )


def can_manage_grants(user) -> bool:
    return user.is_superuser or user.has_perm(MANAGE_GRANTS)


def can_see_full_resident_id(user) -> bool:
    return user.is_active and user.has_perm(VIEW_FULL_RESIDENT_ID)


def can_manage_departments(user) -> bool:
    """Superusers and system administrators (the global change_department
    permission; a grant on one department object does not count)."""
    return (
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("accounts.change_department"))
    )


# -- history -----------------------------------------------------------------


class MaskedHistoryContextHelper(HistoricalRecordContextHelper):
    """History diffs with resident identity numbers masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "resident_id":
            return mask_resident_id(value)
        return super().prepare_delta_change_value(change, value)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History with diffs, but no revert: an old version of a user or a
    department would bring back permissions, a parent or a code without the
    services that keep groups, grants and the tree in step."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(REVERT_REFUSED)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )


# -- users -------------------------------------------------------------------


@admin.register(User)
class UserAdmin(UserGrantsAdminMixin, ReadOnlyHistoryAdmin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            REAL_NAME_PROFILE,
            {
                "fields": (
                    "real_name",
                    "mobile",
                    "mobile_verified",
                    "resident_id",
                    "real_name_verified_at",
                )
            },
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (REAL_NAME_PROFILE, {"fields": ("real_name", "mobile", "resident_id")}),
    )
    list_display = (
        "username",
        "real_name",
        "mobile_masked",
        "resident_id_masked",
        "is_staff",
    )
    list_filter = ("is_staff", "is_superuser", "is_active")
    # Mobile and resident id are matched exactly in get_search_results.
    search_fields = ("username", "real_name", "email")
    ordering = ("username",)

    # Fields a manager who is not a superuser may not change: with them they
    # could make themselves (or anyone) a superuser.
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj):
        return obj.masked_mobile

    @admin.display(description=_("resident identity number"))
    def resident_id_masked(self, obj):
        return obj.masked_resident_id

    # Permissions.

    def has_module_permission(self, request):
        return can_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        if not can_manage_users(request.user):
            return False
        # A superuser account is changed by superusers only.
        return obj is None or not obj.is_superuser or request.user.is_superuser

    def has_add_permission(self, request):
        return can_manage_users(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Accounts that filed or handled cases are deactivated, not deleted.
        return request.user.is_active and request.user.is_superuser

    def lookup_allowed(self, lookup, value, request=None):
        # ?resident_id__startswith=3201 would let anyone read the number digit
        # by digit, and a mobile number likewise.
        if lookup.startswith(("resident_id", "mobile")):
            return False
        return super().lookup_allowed(lookup, value, request)

    # Forms.

    def shows_full_resident_id(self, request, obj=None) -> bool:
        """Masked by default, for holders of the permission too: the full
        number is shown on the add form (to type it) and on a user's page
        after "reveal" (?reveal=1), which change_view records as a reveal."""
        if not can_see_full_resident_id(request.user):
            return False
        return obj is None or request.GET.get(REVEAL_PARAM) == "1"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.shows_full_resident_id(request, obj):
            return fieldsets
        masked = "resident_id_masked" if obj is not None else None
        return tuple(
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        masked if field == "resident_id" else field
                        for field in options["fields"]
                        if field != "resident_id" or masked
                    ),
                },
            )
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.shows_full_resident_id(request, obj):
            readonly.append("resident_id_masked")
        user = request.user
        if not user.is_superuser:
            # 三权分立: who manages profiles does not grant privileges, and
            # who grants privileges does not edit profiles. Only a superuser
            # makes a superuser.
            if not can_manage_grants(user):
                readonly += self.PRIVILEGE_FIELDS
            else:
                readonly.append("is_superuser")
                if not can_change_profiles(user) and obj is not None:
                    readonly += [
                        field
                        for _name, options in self.get_fieldsets(request, obj)
                        for field in options["fields"]
                        if field not in self.PRIVILEGE_FIELDS
                        and field not in readonly
                    ]
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Setting someone's password is a profile change, not a grant.
        if not can_change_profiles(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if not self.shows_full_resident_id(request, obj):
            # Belt and braces: never a form field for it, even if posted.
            exclude.append("resident_id")
        return exclude

    def get_form(self, request, obj=None, **kwargs):
        if not self.shows_full_resident_id(request, obj):
            help_text = RESIDENT_ID_MASKED_HELP
            if can_see_full_resident_id(request.user):
                help_text = format_html(
                    '<a href="?{}=1">{}</a>', REVEAL_PARAM, RESIDENT_ID_REVEAL
                )
            kwargs["help_texts"] = {"resident_id_masked": help_text}
        return super().get_form(request, obj, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and self.shows_full_resident_id(request, object_id):
            user = self.get_object(request, unquote(object_id))
            if user is not None and user.resident_id:
                audit.revealed(
                    request=request,
                    target=user,
                    field="resident_id",
                    where="admin user page",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if self.shows_full_resident_id(request, object_id):
            user = self.get_object(request, unquote(object_id))
            if user is not None:
                audit.revealed(
                    request=request,
                    target=user,
                    field="resident_id",
                    where="admin user history",
                )
        return super().history_view(request, object_id, extra_context)

    # Actions (issue 7): a lost phone, a compromised account.

    actions = ["revoke_api_tokens", "log_out_everywhere"]

    @admin.action(description=REVOKE_API_TOKENS, permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        count = sum(tokens.api_tokens_revoke(user=user) for user in queryset)
        self.message_user(request, API_TOKENS_REVOKED % {"count": count})

    @admin.action(description=LOG_OUT_EVERYWHERE, permissions=["change"])
    def log_out_everywhere(self, request, queryset):
        for user in queryset:
            end_all_sessions(user)
            tokens.api_tokens_revoke(user=user)
        self.message_user(request, LOGGED_OUT_EVERYWHERE % {"count": len(queryset)})

    # List.

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip()
        number = normalize_resident_id(term)
        if len(number) == 18 and number[:17].isascii() and number[:17].isdigit():
            results |= queryset & User.objects.with_resident_id(number)
        elif len(term) == 11 and term.isascii() and term.isdigit():
            results |= queryset.filter(mobile=term)
        return results, may_have_duplicates

    # History.

    def get_historical_record_context_helper(self, request, historical_record):
        if self.shows_full_resident_id(request, historical_record):
            return super().get_historical_record_context_helper(
                request, historical_record
            )
        return MaskedHistoryContextHelper(self.model, historical_record)


# -- departments -------------------------------------------------------------


class StaffMembershipFormSet(JoinsGroupFormSet):
    """Who joins a department joins its group."""


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    formset = StaffMembershipFormSet
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Department)
class DepartmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "code", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("parent",)
    search_fields = ("name", "code")
    ordering = ("code",)
    inlines = [StaffMembershipInline]
    add_fields = ("name", "code", "kind", "parent", "phone", "address")
    change_fields = (
        "name",
        "code",
        "kind",
        "parent",
        "phone",
        "address",
        "is_active",
    )

    def has_module_permission(self, request):
        return can_manage_departments(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_departments(request.user)

    def has_add_permission(self, request):
        return can_manage_departments(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_departments(request.user)

    def has_delete_permission(self, request, obj=None):
        # Cases point at departments; a department that is gone is made
        # inactive, never deleted.
        return False

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.add_fields})]
        return [
            (
                None,
                {
                    "fields": self.change_fields,
                    "description": DEPARTMENT_FIXED_FIELDS_NOTE,
                },
            )
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", "parent")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["help_text"] = PARENT_HELP
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        department = services.department_create(
            **{field: form.cleaned_data[field] for field in self.add_fields}
        )
        # The admin goes on with obj (inlines, log entry, redirect): make it
        # the department the service created.
        obj.pk = department.pk
        obj.group = department.group
        obj.is_active = department.is_active
        obj._state.adding = False
        obj._state.db = department._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffMembership:
            super().save_formset(request, form, formset, change)
            return
        department = form.instance
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.staff_member_remove(user=membership.user, department=department)
        for membership, changed_fields in formset.changed_objects:
            if "user" in changed_fields:
                previous = StaffMembership.objects.get(pk=membership.pk)
                services.staff_member_remove(
                    user=previous.user, department=department
                )
        for membership in memberships:
            saved = services.staff_member_add(
                user=membership.user, department=department, role=membership.role
            )
            membership.pk = saved.pk
