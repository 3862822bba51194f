"""granted_department_ids reads the department grants in one SQL query of its
own; these tests hold it to the ORM's answer (django-guardian's permission
models, the department tree's closure rows)."""

import pytest
from guardian.shortcuts import assign_perm

from portal.accounts.models import (
    DepartmentGroupObjectPermission,
    DepartmentUserObjectPermission,
)
from portal.cases import selectors
from portal.cases.selectors import (
    DEPARTMENT_PERMS,
    HANDLE_DEPARTMENT_PERMS,
    LEAD_DEPARTMENT_PERMS,
    VIEW_DEPARTMENT_PERMS,
    granted_department_ids,
)

pytestmark = pytest.mark.django_db


def orm_answer(user, codenames) -> list[int]:
    """The departments under a grant, as the ORM spells it: each grant model
    filtered by permission and user (or the user's groups), through the
    granted department's closure rows."""
    found = set()
    for model, lookup in (
        (DepartmentGroupObjectPermission, {"group__user": user}),
        (DepartmentUserObjectPermission, {"user": user}),
    ):
        found |= set(
            model.objects.filter(
                permission__codename__in=codenames,
                permission__content_type__app_label="accounts",
                **lookup,
            ).values_list("content_object__descendant_links__descendant_id", flat=True)
        )
    return sorted(found - {None})


def fresh(user):
    """The user as a new request sees them (the answer is kept per object)."""
    return type(user).objects.get(pk=user.pk)


def test_every_role_gets_the_orm_answer(district, people):
    # Exceptions on top of the department groups' grants: a person granted a
    # street (and so its communities) directly, a group granted a community.
    assign_perm("accounts.view_cases_of", people["other_clerk"], district["street"])
    assign_perm(
        "accounts.lead_cases_of", people["clerk"].groups.first(), district["community"]
    )
    for name, user in people.items():
        for codenames in (
            VIEW_DEPARTMENT_PERMS,
            HANDLE_DEPARTMENT_PERMS,
            LEAD_DEPARTMENT_PERMS,
            DEPARTMENT_PERMS,
        ):
            assert granted_department_ids(fresh(user), codenames) == orm_answer(
                user, codenames
            ), (name, codenames)
    street = {district[key].pk for key in ("street", "community", "other_community")}
    assert street <= set(granted_department_ids(fresh(people["other_clerk"])))
    assert district["community"].pk in granted_department_ids(
        fresh(people["clerk2"]), LEAD_DEPARTMENT_PERMS
    )


def test_one_query_per_user_object(district, people, django_assert_num_queries):
    user = fresh(people["street_clerk"])
    with django_assert_num_queries(1):
        view = granted_department_ids(user, VIEW_DEPARTMENT_PERMS)
        lead = granted_department_ids(user, LEAD_DEPARTMENT_PERMS)
        handle = granted_department_ids(user, HANDLE_DEPARTMENT_PERMS)
    assert view == orm_answer(user, VIEW_DEPARTMENT_PERMS)
    assert lead == orm_answer(user, LEAD_DEPARTMENT_PERMS)
    assert handle == orm_answer(user, HANDLE_DEPARTMENT_PERMS)
    assert selectors.visible_cases(user).exists() is False  # no cases yet
