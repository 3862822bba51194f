"""The admin's two doors to privileges, the user page's groups, permissions
and staff status and the group page's permissions, both through
portal/accounts/grants.py: the checks of 三权分立 run in the form (a
refusal is shown on the page and nothing is saved), the writes and their
audit records in the services."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from portal.accounts import grants

USER_GRANT_FIELDS = ("groups", "user_permissions")


class UserGrantsFormMixin:
    """For the user admin's form: the groups and permissions it would give
    are checked against the rules for the user editing them."""

    actor = None

    def clean(self):
        cleaned = super().clean()
        user = self.instance
        if user.pk is None or self.actor is None:
            return cleaned
        if (
            "is_staff" in cleaned
            and cleaned["is_staff"] != self.initial.get("is_staff")
            and self.actor.pk == user.pk
            and not self.actor.is_superuser
        ):
            raise ValidationError(grants.NOT_YOUR_OWN, code="own_grants")
        if not any(field in cleaned for field in USER_GRANT_FIELDS):
            return cleaned
        groups = cleaned.get("groups", user.groups.all())
        permissions = cleaned.get("user_permissions", user.user_permissions.all())
        grants.check_user_grants(
            actor=self.actor, user=user, groups=groups, permissions=permissions
        )
        return cleaned


class UserGrantsAdminMixin:
    """For the user admin: the form checks, the services write."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (UserGrantsFormMixin, form), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        if change and "is_staff" in form.cleaned_data:
            # Staff status is given (and recorded) in save_related, by the
            # service, with the groups and permissions.
            obj._new_is_staff = obj.is_staff
            obj.is_staff = form.initial.get("is_staff", obj.is_staff)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        given = {
            field: form.cleaned_data.pop(field)
            for field in USER_GRANT_FIELDS
            if field in form.cleaned_data
        }
        super().save_related(request, form, formsets, change)
        is_staff = getattr(form.instance, "_new_is_staff", None)
        if given or is_staff is not None:
            grants.user_grants_set(
                actor=request.user,
                user=form.instance,
                groups=given.get("groups"),
                permissions=given.get("user_permissions"),
                is_staff=is_staff,
            )


class GroupGrantsForm:
    actor = None

    def clean(self):
        cleaned = super().clean()
        if "permissions" in cleaned and "name" in cleaned:
            grants.check_group_permissions(
                actor=self.actor,
                group=self.instance,
                name=cleaned["name"],
                permissions=cleaned["permissions"],
            )
        return cleaned


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's group admin with the rules of 三权分立: the role groups are
    fixed, and permissions are given through the service."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (GroupGrantsForm, form), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name in grants.ROLE_LABELS:
            return ("name", "permissions")
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.name in grants.ROLE_LABELS:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            grants.group_permissions_set(
                actor=request.user, group=form.instance, permissions=permissions
            )


class JoinsGroupFormSet(BaseInlineFormSet):
    """An inline whose rows put a user in a group (a department's, through a
    staff membership or a grid membership): the rules of 三权分立 are checked
    here, so that a refusal shows next to the user and nothing is saved
    (portal/accounts/grants.py). Subclasses say which group is joined."""

    def joined_group(self):
        return self.instance.group if self.instance.pk else None

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not form.has_changed() or data.get("DELETE") or "user" not in data:
                continue
            try:
                grants.check_joins_group(user=data["user"], group=self.joined_group())
            except ValidationError as error:
                form.add_error("user", error)
