from grid.tests.conftest import api, as_user, category, grids, people, tree  # noqa: F401
