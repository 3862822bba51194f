import pytest
from rest_framework.test import APIClient

from grid.models import GridMember
from grid.tests.factories import (
    INSIDE,
    SQUARE,
    grid_category,
    make_grid,
    make_member,
    make_resident,
    make_tree,
)
from portal.accounts.tests.factories import UserFactory, make_clerk


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def category(tree):
    return grid_category(tree["centre"])


@pytest.fixture
def grids(tree):
    return {
        "a": make_grid(tree["community"], "minzhu-1", boundary=SQUARE, centre=INSIDE),
        "a2": make_grid(tree["community"], "minzhu-2"),
        "b": make_grid(tree["sibling"], "xiangyang-1"),
        "c": make_grid(tree["far"], "huangjin-1"),
    }


@pytest.fixture
def people(tree, grids):
    return {
        "worker": make_member(
            grids["a"], "worker_a", real_name="赵磊", mobile="13912345678"
        ),
        "head": make_member(grids["a"], "head_a", GridMember.Role.HEAD),
        "informant": make_member(grids["a"], "informant_a", GridMember.Role.INFORMANT),
        "worker_a2": make_member(grids["a2"], "worker_a2"),
        "worker_b": make_member(grids["b"], "worker_b"),
        "worker_c": make_member(grids["c"], "worker_c"),
        "street": make_clerk(tree["street"], "clerk_fengcai"),
        "other_street": make_clerk(tree["other_street"], "clerk_pailou"),
        "centre": make_clerk(tree["centre"], "clerk_command"),
        "housing": make_clerk(tree["housing"], "clerk_housing"),
        "urban": make_clerk(tree["urban"], "clerk_urban"),
        "market": make_clerk(tree["market"], "clerk_market"),
        "resident": make_resident(),
        "nobody": UserFactory(username="nobody"),
    }


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    def login(user):
        api.force_authenticate(user=user)
        return api

    return login
