import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.exceptions import PermissionDenied

from portal.accounts.tests.factories import ResidentFactory, UserFactory

PASSWORD = "yiwang-test-pass"


@pytest.fixture
def resident(db):
    return ResidentFactory(username="wang", mobile="13900139000")


@pytest.mark.django_db
def test_authenticate_with_username(resident):
    assert authenticate(username="wang", password=PASSWORD) == resident


@pytest.mark.django_db
def test_authenticate_with_mobile(resident):
    assert authenticate(username="13900139000", password=PASSWORD) == resident


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_wrong_password_is_refused(resident, login):
    assert authenticate(username=login, password="not-the-password") is None


@pytest.mark.django_db
def test_unknown_login_is_refused():
    assert authenticate(username="nobody", password=PASSWORD) is None
    assert authenticate(username="13700137000", password=PASSWORD) is None


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_inactive_user_is_refused(resident, login):
    resident.is_active = False
    resident.save()
    assert authenticate(username=login, password=PASSWORD) is None


@pytest.mark.django_db
def test_missing_credentials_are_refused(resident):
    assert authenticate(username="wang", password=None) is None
    assert authenticate(username="", password=PASSWORD) is None


@pytest.mark.django_db
def test_an_eleven_digit_username_still_logs_in(resident):
    # A username that looks like a mobile number but matches no mobile.
    user = UserFactory(username="13600136000")
    assert authenticate(username="13600136000", password=PASSWORD) == user


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_login_view_accepts_username_or_mobile(client, resident, login):
    response = client.post(
        "/accounts/login/", {"username": login, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(resident.pk)


@pytest.mark.django_db
def test_login_view_refuses_wrong_password(client, resident):
    response = client.post(
        "/accounts/login/", {"username": "13900139000", "password": "nope"}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors()


@pytest.mark.django_db
def test_login_view_refuses_inactive_user(client, resident):
    resident.is_active = False
    resident.save()
    response = client.post(
        "/accounts/login/", {"username": "wang", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


@pytest.mark.django_db
def test_all_permissions_in_one_query_match_django(django_assert_num_queries):
    """UsernameOrMobileBackend reads a user's permissions in one query; the
    answer is ModelBackend's: direct ones, the groups' ones, both, none; none
    for an inactive user; every one for a superuser."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Group, Permission

    from portal.accounts.backends import UsernameOrMobileBackend

    view_case = Permission.objects.get(
        content_type__app_label="cases", codename="view_all_cases"
    )
    change_group = Permission.objects.get(
        content_type__app_label="auth", codename="change_group"
    )
    view_group = Permission.objects.get(
        content_type__app_label="auth", codename="view_group"
    )
    group = Group.objects.create(name="leaders")
    group.permissions.add(view_case, view_group)
    other_group = Group.objects.create(name="others")
    other_group.permissions.add(change_group)
    nobody = UserFactory(username="nobody")
    direct = UserFactory(username="direct")
    direct.user_permissions.add(view_case, change_group)
    grouped = UserFactory(username="grouped")
    grouped.groups.add(group)
    both = UserFactory(username="both")
    both.groups.add(group)
    both.user_permissions.add(view_case, change_group)
    inactive = UserFactory(username="inactive", is_active=False)
    inactive.groups.add(group)
    superuser = UserFactory(username="root", is_superuser=True)

    def fresh(user):
        return type(user)._default_manager.get(pk=user.pk)

    ours, django = UsernameOrMobileBackend(), ModelBackend()
    for user in (nobody, direct, grouped, both, inactive, superuser):
        expected = django.get_all_permissions(fresh(user))
        user = fresh(user)
        # A superuser's are all (Django's own two queries, rare); an
        # inactive user's none.
        queries = 0 if not user.is_active else 2 if user.is_superuser else 1
        with django_assert_num_queries(queries):
            assert ours.get_all_permissions(user) == expected, user.username
        # Kept on the user object, as Django does: asked again, no query.
        with django_assert_num_queries(0):
            assert ours.get_all_permissions(user) == expected
    assert UsernameOrMobileBackend().get_all_permissions(fresh(both)) == {
        "cases.view_all_cases",
        "auth.change_group",
        "auth.view_group",
    }


@pytest.mark.django_db
def test_a_revoked_permission_bites_on_the_next_request(client):
    """Permissions are kept on the request's user object only."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="clerk")
    permission = Permission.objects.get(
        content_type__app_label="cases", codename="view_all_cases"
    )
    user.user_permissions.add(permission)
    assert type(user)._default_manager.get(pk=user.pk).has_perm("cases.view_all_cases")
    user.user_permissions.remove(permission)
    assert not type(user)._default_manager.get(pk=user.pk).has_perm(
        "cases.view_all_cases"
    )


def _fields(user) -> dict:
    return {
        field.attname: getattr(user, field.attname)
        for field in type(user)._meta.concrete_fields
    }


@pytest.mark.django_db
def test_user_by_pk_loads_what_the_orm_loads(django_assert_num_queries):
    """The session's user is read with SQL compiled once: every field has the
    ORM's value, the encrypted identity number decrypted; strings ids (as
    sessions keep them) work; an unknown id is None; one query."""
    from portal.accounts.backends import user_by_pk

    resident = ResidentFactory(
        username="li", mobile="13900139001", resident_id="11010519491231002X"
    )
    UserFactory(username="other")
    expected = type(resident)._default_manager.get(pk=resident.pk)
    for user_id in (resident.pk, str(resident.pk)):
        with django_assert_num_queries(1):
            user = user_by_pk(user_id)
        assert _fields(user) == _fields(expected)
        assert user.resident_id == "11010519491231002X"
        assert user._state.db == "default" and not user._state.adding
    assert user_by_pk(resident.pk + 1000) is None


@pytest.mark.django_db
def test_a_session_loads_its_user_through_the_backend(client, resident):
    """Django's get_user asks the session's backend: an active user is
    logged in, an inactive one (deactivated after login) is anonymous."""
    from portal.accounts.backends import UsernameOrMobileBackend

    backend = UsernameOrMobileBackend()
    assert backend.get_user(resident.pk) == resident
    assert backend.get_user(resident.pk + 1000) is None
    client.post("/accounts/login/", {"username": "wang", "password": PASSWORD})
    response = client.get("/cases/")
    assert response.status_code == 200
    assert response.wsgi_request.user == resident
    type(resident)._default_manager.filter(pk=resident.pk).update(is_active=False)
    assert backend.get_user(resident.pk) is None
    response = client.get("/cases/")
    assert not response.wsgi_request.user.is_authenticated


class _Refusing:
    """A backend that refuses every permission outright."""

    def has_perm(self, user_obj, perm, obj=None):
        raise PermissionDenied

    def has_module_perms(self, user_obj, app_label):
        raise PermissionDenied


@pytest.mark.django_db
def test_permission_questions_are_answered_as_django_answers(settings):
    """User.has_perm and has_module_perms over auth_backends(): Django's
    answers for a clerk with a group, a user with none, an inactive user
    and a superuser; a backend's PermissionDenied is a no; the setting's
    backends are the ones asked (a changed setting is honoured)."""
    from django.contrib.auth.models import (
        Group,
        Permission,
        _user_has_module_perms,
        _user_has_perm,
    )

    group = Group.objects.create(name="clerks")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="view_case")
    )
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.groups.add(group)
    users = [
        clerk,
        UserFactory(username="nobody"),
        UserFactory(username="gone", is_active=False),
        UserFactory(username="root", is_superuser=True),
    ]
    for user in users:
        for perm in ("cases.view_case", "cases.change_case", "auth.view_group"):
            assert user.has_perm(perm) == (
                user.is_superuser or _user_has_perm(user, perm, None)
            )
        for app in ("cases", "auth", "grid"):
            assert user.has_module_perms(app) == (
                user.is_superuser or _user_has_module_perms(user, app)
            )
    clerk = type(clerk)._default_manager.get(pk=clerk.pk)
    assert clerk.has_perm("cases.view_case") and clerk.has_module_perms("cases")
    settings.AUTHENTICATION_BACKENDS = [
        f"{__name__}._Refusing",
        *settings.AUTHENTICATION_BACKENDS,
    ]
    clerk = type(clerk)._default_manager.get(pk=clerk.pk)
    assert not clerk.has_perm("cases.view_case")
    assert not clerk.has_module_perms("cases")
