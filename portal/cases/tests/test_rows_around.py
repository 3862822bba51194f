"""portal.prepared.rows_around: a query compiled once around a subquery that
changes, as the case list reads its page's rows (CaseChangeList.rows)."""

import pytest
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from portal.cases import workflow
from portal.cases.admin_changelist import newest_rows
from portal.cases.list_rows import LISTED_COLUMNS
from portal.cases.models import Case
from portal.cases.selectors import InSubquery
from portal.cases.tests.factories import file_case
from portal.prepared import rows_around


@pytest.fixture
def cases(category, people):
    filed = [file_case(category, people["owner"], title=f"第{i}件") for i in range(4)]
    workflow.assign_case(
        case=workflow.accept_case(case=filed[1], actor=people["clerk"]),
        actor=people["clerk"],
        assignee=people["clerk2"],
    )
    return filed


def orm_rows(ids) -> list[tuple]:
    return list(newest_rows(ids))


@pytest.mark.django_db
def test_the_rows_are_the_orms_for_every_subquery(cases, django_assert_num_queries):
    """A queryset's ids and a RawSQL's ids, with parameters, give the ORM's
    rows (every column converted as the ORM converts it), newest first; each
    read is one query, and the second one reuses what was compiled."""
    chosen = [cases[0].pk, cases[1].pk, cases[3].pk]
    by_queryset = Case.objects.filter(pk__in=chosen).order_by("pk").values("pk")[:2]
    by_raw = RawSQL("SELECT id FROM cases_case WHERE id >= %s", (cases[1].pk,))
    for ids in (by_queryset, by_raw, by_queryset):
        with django_assert_num_queries(1):
            rows = rows_around(Case, "test_rows", newest_rows, ids)
        assert rows == orm_rows(ids)
        assert rows and all(len(row) == len(LISTED_COLUMNS) for row in rows)
    assigned = rows_around(
        Case, "test_rows", newest_rows, RawSQL("SELECT %s", (cases[1].pk,))
    )
    assert len(assigned) == 1
    assert assigned[0][LISTED_COLUMNS.index("assignee__username")] == "clerk_housing2"
    assert assigned[0][LISTED_COLUMNS.index("submitted_at")].tzinfo is not None


@pytest.mark.django_db
def test_a_query_around_with_parameters_of_its_own_is_refused(cases):
    """A parameter of the query around (a time here) would be kept from the
    first run: refused, not compiled."""

    def with_a_time(ids):
        later = Case.objects.filter(
            InSubquery("pk", ids), submitted_at__lte=timezone.now()
        )
        return later.values_list("pk")

    with pytest.raises(ValueError):
        rows_around(Case, "test_time", with_a_time, RawSQL("SELECT %s", (cases[0].pk,)))

    def twice(ids):
        both = Case.objects.filter(InSubquery("pk", ids)) | Case.objects.filter(
            InSubquery("pk", ids), pk=F("pk")
        )
        return both.values_list("pk")

    with pytest.raises(ValueError):
        rows_around(Case, "test_twice", twice, RawSQL("SELECT %s", (cases[0].pk,)))
