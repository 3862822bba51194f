"""The grid admin: scoped lists, changes through the services, the import
page and Open311 keys shown once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from grid.models import Grid, GridMember, Open311Client
from grid.services.open311 import hash_key
from grid.tests.test_import import csv_bytes
from portal.accounts import grants
from portal.accounts.tests.factories import UserFactory
from portal.audit import roles
from portal.cases.tests.site_helpers import page, shown


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_import_page_dry_run_then_import(client, admin_user, tree, people):
    client.force_login(admin_user)
    url = reverse("admin:grid_grid_import")
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("g.csv", csv_bytes("nowhere,x,y,,,,,,"))
    response = client.post(url, {"file": bad, "dry_run": "on"})
    assert response.status_code == 400
    assert "nowhere" in response.content.decode()
    content = csv_bytes(
        "minzhu,minzhu-05,民主五网格,,,,worker_a,,",
        "xiangyang,xiangyang-05,向阳五网格,,,,,worker_b,",
    )
    response = client.post(
        url, {"file": SimpleUploadedFile("g.csv", content), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert "minzhu-05" in response.content.decode()
    assert not Grid.objects.filter(code="minzhu-05").exists()
    response = client.post(url, {"file": SimpleUploadedFile("g.csv", content)})
    assert response.status_code == 302
    assert GridMember.objects.get(grid__code="minzhu-05").role == "head"


def test_import_page_needs_the_permissions(client, people):
    clerk = people["street"]
    client.force_login(clerk)
    assert client.get(reverse("admin:grid_grid_import")).status_code == 403


def test_changelist_is_scoped_and_counts_members(
    client, people, grids, django_assert_max_num_queries
):
    clerk = people["street"]
    clerk.user_permissions.add(Permission.objects.get(codename="view_grid"))
    client.force_login(clerk)
    response = client.get(reverse("admin:grid_grid_changelist"))
    assert response.status_code == 200
    shown = {grid.code for grid in response.context["cl"].result_list}
    assert shown == {"minzhu-1", "minzhu-2", "xiangyang-1"}  # not the other street's
    other = client.get(reverse("admin:grid_grid_change", args=[grids["c"].pk]))
    assert other.status_code == 302  # out of scope: as if it did not exist


def new_grid_with_member(tree, user, role) -> dict:
    """The admin's add form for grid minzhu-9 with one member."""
    return {
        "community": tree["community"].pk,
        "code": "minzhu-9",
        "name": "民主九网格",
        "centre_latitude": "",
        "centre_longitude": "",
        "boundary": "null",
        "is_active": "on",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-user": user.pk,
        "members-0-role": role,
    }


def test_admin_adds_a_grid_and_members_through_the_services(
    client, admin_user, tree, people
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:grid_grid_add"),
        new_grid_with_member(tree, people["resident"], "informant"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    grid = Grid.objects.get(code="minzhu-9")
    assert grid.members.get().user == people["resident"]
    assert grid.history.first().history_user == admin_user
    assert people["resident"].memberships.get().department == tree["community"]


def test_an_auditor_cannot_be_made_a_grid_member(client, admin_user, tree, people):
    """A grid member becomes a clerk of the community: an auditor may hold no
    other role (三权分立), so the page says so next to the user and saves
    nothing, not even the grid."""
    auditor = UserFactory(username="auditor", is_staff=True)
    auditor.groups.add(Group.objects.get(name=roles.AUDITORS))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:grid_grid_add"),
        new_grid_with_member(tree, auditor, "worker"),
    )
    assert response.status_code == 200
    assert shown(grants.AUDITOR_ONLY, user="auditor") in page(response)
    assert not Grid.objects.filter(code="minzhu-9").exists()
    assert not auditor.memberships.exists()
    assert list(auditor.groups.all()) == [Group.objects.get(name=roles.AUDITORS)]


def test_open311_key_is_shown_once_and_stored_hashed(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:grid_open311client_add"),
        {"name": "市民App", "is_active": "on"},
        follow=True,
    )
    client_row = Open311Client.objects.get()
    (message,) = [
        str(m) for m in response.context["messages"] if m.level_tag == "warning"
    ]
    key = next(word for word in message.split() if len(word) == 43)
    assert client_row.key_hash == hash_key(key)
    assert key not in str(Open311Client.objects.values_list())
