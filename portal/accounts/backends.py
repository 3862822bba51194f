from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connections, router

from portal.accounts.passwords import staff_password_acceptable
from portal.prepared import object_by_pk, prepared_cursor


def find_account(identifier: str):
    """The account a login identifier names: a mobile number (11 digits) or
    a username. None when there is none."""
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(mobile=identifier).first()
        if identifier.isdigit() and len(identifier) == 11
        else None
    ) or user_model._default_manager.filter(username=identifier).first()


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: refuses a
    locked-out account before any password is checked.

    Every login door passes the request (the site's and the admin's login
    forms, the API token endpoint). authenticate() without a request comes
    from code on the server itself (a shell, a command, a test), which has no
    door to lock: it is let through to the next backend instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def _permission_names(user_pk) -> set[str]:
    """Every "app_label.codename" the user holds, directly or through a
    group: one query, table and column names from the models."""
    connection = connections[router.db_for_read(Permission)]
    quote = connection.ops.quote_name
    permission = Permission._meta
    content_type = permission.get_field("content_type")
    user_model = get_user_model()
    direct = user_model._meta.get_field("user_permissions")
    groups = user_model._meta.get_field("groups")
    group_perms = groups.related_model._meta.get_field("permissions")
    sql = (
        f"SELECT ct.{quote('app_label')}, p.{quote('codename')} "
        f"FROM {quote(permission.db_table)} p "
        f"JOIN {quote(content_type.related_model._meta.db_table)} ct "
        f"ON ct.{quote(content_type.target_field.column)} = p.{quote(content_type.column)} "
        f"WHERE p.{quote(permission.pk.column)} IN ("
        f"SELECT up.{quote(direct.m2m_reverse_name())} "
        f"FROM {quote(direct.m2m_db_table())} up "
        f"WHERE up.{quote(direct.m2m_column_name())} = %s "
        f"UNION SELECT gp.{quote(group_perms.m2m_reverse_name())} "
        f"FROM {quote(group_perms.m2m_db_table())} gp "
        f"JOIN {quote(groups.m2m_db_table())} ug "
        f"ON ug.{quote(groups.m2m_reverse_name())} = gp.{quote(group_perms.m2m_column_name())} "
        f"WHERE ug.{quote(groups.m2m_column_name())} = %s)"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [user_pk, user_pk])
        return {f"{app_label}.{codename}" for app_label, codename in cursor}


def user_by_pk(user_id):
    """The user with this id, or None, as ``_default_manager.get(pk=...)``
    loads it (portal.prepared.object_by_pk). Every page of a logged-in user
    loads its user (the session's id, Django's ``get_user``): building and
    compiling that queryset cost ~0.5 ms of each request, the prepared
    query ~0.1 ms (bench/overhead.py's machine, 100k)."""
    return object_by_pk(get_user_model(), user_id)


class UsernameOrMobileBackend(ModelBackend):
    """Log in with either the username or the mobile number."""

    def get_user(self, user_id):
        """ModelBackend's answer (an active user, else None) through
        user_by_pk."""
        user = user_by_pk(user_id)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer, kept per user object (so per request, as
        Django does; a revoked grant bites on the next request), read in one
        query instead of its two ORM queries (the user's, then the groups').
        Every staff page asks (the admin's app list asks has_module_perms for
        each app): measured for bench_clerk_00 at 100k (loading the user
        and asking, CPU per request), the two queries cost 1.6-2.2 ms, this
        one ~0.5 ms; the clerk's changelist and case page lose one query and
        ~1 ms of CPU (bench/overhead.py, interleaved)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj.pk)
        return user_obj._perm_cache

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user = find_account(username)
        if user is None:
            # Run the hasher anyway so timing does not tell which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.is_staff and not staff_password_acceptable(password, user):
                # Read at login (portal.accounts.sessions.on_login): the
                # staff member is sent to change the password first.
                user.password_change_required = True
            return user
        return None
