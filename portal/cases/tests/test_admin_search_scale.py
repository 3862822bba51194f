"""The changelist's search: no count of the hits; the page walks the newest
rows with the LIKE up to a budget, then the department-keyed title index
takes the rest unit by unit (walked_search_ids, searched_by_units), and
finds exactly the cases, in the same order, that the selector finds."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.cases.admin import CaseAdmin
from portal.cases.admin_changelist import (
    CappedCountPaginator,
    CaseChangeList,
    RowBefore,
    unit_search_word_q,
    walked_search_ids,
)
from portal.cases.models import Case, ServiceCategory
from portal.cases.selectors import case_search_q, visible_cases
from portal.cases.tests.factories import file_case, make_category

CHANGELIST = reverse("admin:cases_case_changelist")


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def titled(category, people, district):
    other = make_category(district["market"], code="market-complaint", name="消费投诉")
    titles = [
        "夜间噪声扰民",
        "ABC噪声",
        "abc 路灯",
        "楼道漏水",
        "噪",
        "噪 声",
        "50%噪声",
    ]
    for index, title in enumerate(titles):
        applicant = people["owner"] if index % 2 else people["other_resident"]
        file_case(category, applicant, title=title)
    file_case(other, people["owner"], title="商家噪声")
    return titles


def page_sql(client) -> tuple[list[int], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, {"q": "噪声"})
    assert response.status_code == 200
    rows = [case.pk for case in response.context["cl"].result_list]
    return rows, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("walk", [True, False])
def test_search_page_is_the_same_walked_or_sorted(
    client, titled, people, monkeypatch, walk
):
    """Walked (many hits) or sorted (few hits), the page lists the visible
    hits newest first; sorted, they come from the clerk's units' keys of the
    title index."""
    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    monkeypatch.setattr(CaseChangeList, "search_walk_pays", lambda self: walk)
    client.force_login(people["clerk"])
    first, sqls = page_sql(client)
    cursor = client.get(CHANGELIST, {"q": "噪声"}).context["cl"].next_page_url
    second = client.get(CHANGELIST + cursor).context["cl"].result_list
    second = [case.pk for case in second]
    visible = list(
        Case.objects.filter(case_search_q("噪声"))
        .exclude(title="商家噪声")
        .order_by("-submitted_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert first + second == visible
    if connection.vendor == "postgresql":
        pages = [sql for sql in sqls if "LIMIT 3" in sql]  # a page and one row
        assert pages, sqls
        # Walked: the walk reads the LIKE, and the units' keys serve only
        # the rows past its budget; sorted: the units' keys alone.
        assert any("WITH walk AS" in sql for sql in pages) is walk
        if not walk:
            # The clerk's department's hits: its own keys of the title
            # index (searched_by_units).
            bigrams = re.compile(r'yiwang_unit_bigrams\([^()]*"title"\)')
            assert any(bigrams.search(sql) for sql in pages)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="yiwang_bigrams is PostgreSQL's"
)
@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, bigrams",
    [
        ("夜间噪声", {"夜间", "间噪", "噪声"}),
        ("ABC噪声", {"ab", "bc", "c噪", "噪声"}),
        ("噪声噪声", {"噪声", "声噪"}),
        ("噪", set()),
        ("", set()),
    ],
)
def test_yiwang_bigrams_gives_the_lower_cased_two_character_pieces(text, bigrams):
    """Migration 0007's loop keeps duplicates (a GIN index and ``@>`` ignore
    them); as a set, the pieces are 0003's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT yiwang_bigrams(%s), yiwang_bigrams(NULL)", [text])
        pieces, of_null = cursor.fetchone()
    assert set(pieces) == bigrams and of_null is None


def newest_first_pks(queryset) -> list[int]:
    return list(queryset.order_by("-submitted_at", "-pk").values_list("pk", flat=True))


@pytest.mark.parametrize("budget", [0, 1, 3, 1000])
def test_walked_search_ids_are_the_selectors_first_hits(titled, people, budget):
    """Whatever the budget (where the walk stops and the rest is read), the
    ids are the first visible hits newest first, from any cursor;
    the clerk never gets a case of another department."""
    clerk = people["clerk"]
    for word in ["噪声", "路", "abc", people["owner"].real_name, "无此词"]:
        hits = visible_cases(clerk).filter(case_search_q(word))
        expected = newest_first_pks(hits)
        assert Case.objects.get(title="商家噪声").pk not in expected
        cursors = [None, *Case.objects.filter(pk__in=expected[:3])]
        for last in cursors:
            cursor = (last.submitted_at, last.pk) if last else None
            searched = visible_cases(clerk).filter(case_search_q(word))
            if cursor:
                searched = searched.filter(RowBefore(*cursor))
            after = expected[expected.index(last.pk) + 1 :] if last else expected
            for limit in (1, 2, 3):
                ids = walked_search_ids(searched, cursor, limit, budget)
                found = newest_first_pks(Case.objects.filter(pk__in=ids))
                assert found[:limit] == after[:limit], (word, budget, cursor, limit)


def search_page(client, params):
    if isinstance(params, str):  # a link of the page: "?q=...&after=..."
        response = client.get(CHANGELIST + params)
    else:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return response.context["cl"], response.content.decode()


@pytest.mark.parametrize("budget", [1, 1000])
def test_a_search_counts_no_hits_and_says_more_than_a_page(
    client, titled, people, monkeypatch, budget
):
    """A first page that is not full is the exact count; a full one says
    "2+" (list_per_page 2 here) and why, and links to the next page; no page
    numbers and no "show all". Paging on shows every hit once, newest first."""
    import portal.cases.admin_changelist as changelist

    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    monkeypatch.setattr(changelist, "SEARCH_WALK_BUDGET", budget)
    client.force_login(people["clerk"])
    expected = newest_first_pks(
        visible_cases(people["clerk"]).filter(case_search_q("噪声"))
    )
    assert len(expected) == 3
    with CaptureQueriesContext(connection) as queries:
        cl, body = search_page(client, {"q": "噪声"})
    hits_counted = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT COUNT(") and '"title"' in q["sql"]
    ]
    assert hits_counted == []
    assert cl.paginator.count_display == "2+" and cl.search_has_more
    assert "More than 2 matches" in body or "超过 2 条结果" in body
    assert 'class="next-page"' in body and "?p=" not in body
    assert 'class="showall"' not in body
    shown = [case.pk for case in cl.result_list]
    cl, body = search_page(client, cl.next_page_url)
    shown += [case.pk for case in cl.result_list]
    assert shown == expected
    assert cl.next_page_url is None and 'class="next-page"' not in body
    assert not cl.search_has_more
    # Fewer hits than a page: the exact number.
    cl, body = search_page(client, {"q": "路灯"})
    assert cl.paginator.count_display == "1" and not cl.paginator.count_is_capped
    assert cl.next_page_url is None


def test_search_pages_make_the_same_queries_with_few_or_many_cases(
    client, category, people, monkeypatch, django_assert_num_queries
):
    """The search's queries do not grow with its hits: one query fewer than
    the list's budget on PostgreSQL and SQLite alike (the unit's size, the
    page), for a common word, a rare one, a name and a tracking number."""
    monkeypatch.setattr(CaseAdmin, "list_per_page", 5)
    client.force_login(people["clerk"])
    owner = people["owner"]
    for index in range(3):
        file_case(category, owner, title=f"夜间噪声{index}")
    number = Case.objects.first().tracking_number
    words = ["噪声", "无此词", owner.real_name]
    client.get(CHANGELIST)  # the filters' choices, kept a minute from here
    small = {}
    for word in words:
        with CaptureQueriesContext(connection) as queries:
            client.get(CHANGELIST, {"q": word})
        small[word] = len(queries)
    for index in range(27):
        file_case(category, owner, title=f"楼道噪声{index}")
    for word in words:
        with django_assert_num_queries(small[word]):
            client.get(CHANGELIST, {"q": word})
    with CaptureQueriesContext(connection) as queries:
        cl, _body = search_page(client, {"q": number})
    assert [case.tracking_number for case in cl.result_list] == [number]
    assert len(queries) == small["噪声"] - 1  # no size of the unit asked


# --- the hits of each unit, from the department-keyed title index -------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="yiwang_unit_bigrams is PostgreSQL's"
)
@pytest.mark.django_db
def test_yiwang_unit_bigrams_keys_each_piece_by_the_department():
    """Migration 0008: the title's pieces with the unit's prefix, and the bare
    prefix, so that a word without bigrams still keeps to its unit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT yiwang_unit_bigrams(18, %s), yiwang_unit_bigrams(18, %s),"
            " yiwang_unit_bigrams(7, %s) @> yiwang_unit_bigrams(7, %s),"
            " yiwang_unit_bigrams(7, %s) @> yiwang_unit_bigrams(8, %s),"
            " yiwang_unit_bigrams(NULL, %s)",
            ["夜间ABC", "噪", "夜间噪声", "噪声", "夜间噪声", "噪声", "噪声"],
        )
        pieces, one_character, same_unit, other_unit, of_null = cursor.fetchone()
    assert set(pieces) == {"18:", "18:夜间", "18:间a", "18:ab", "18:bc"}
    assert one_character == ["18:"]
    assert same_unit and not other_unit and of_null is None


def test_unit_search_finds_the_units_hits_of_the_selector(titled, people, district):
    """unit_search_word_q, ANDed with case_search_q as the page reads it,
    finds exactly the unit's cases that case_search_q finds: no other
    department's, and the applicant's name still counts."""
    words = ["噪声", "噪", "abc", "路", "%", people["owner"].real_name, "无此词"]
    for unit in (district["housing"].pk, district["market"].pk):
        for word in words:
            expected = ids(Case.objects.filter(case_search_q(word), department_id=unit))
            searched = Case.objects.filter(case_search_q(word)).filter(
                unit_search_word_q(unit, word)
            )
            assert ids(searched) == expected, (unit, word)


@pytest.fixture
def reached(titled, people, district):
    """Hits of 噪声 reached through every arm of the visibility: the clerk's
    own matter in another department, a case transferred out of housing
    (the housing group keeps a per-case grant), a per-case grant to clerk2,
    and another department's hits that no one in housing may see."""
    from guardian.shortcuts import assign_perm

    from portal.cases import workflow

    market = ServiceCategory.objects.get(code="market-complaint")
    clerk = people["clerk"]
    file_case(market, clerk, title="自己在别的部门的噪声事项")
    moved = file_case(
        ServiceCategory.objects.get(department=district["housing"]),
        people["other_resident"],
        title="流转走的噪声事项",
    )
    workflow.transfer_case(
        case=moved, actor=clerk, department=district["market"], reason="不属本部门"
    )
    granted = file_case(market, people["owner"], title="单独授权的噪声事项")
    assign_perm("cases.view_case", people["clerk2"], granted)
    for index in range(3):
        file_case(market, people["other_resident"], title=f"市场噪声{index}")


@pytest.mark.parametrize(
    "role", ["clerk", "clerk2", "leader", "other_clerk", "street_clerk", "committee"]
)
@pytest.mark.parametrize("walk", [True, False])
def test_search_pages_by_units_are_the_selectors_hits(
    client, reached, people, monkeypatch, role, walk
):
    """However the hits are read (walked past a budget of 0 rows, or sorted;
    arm by arm with the units' index keys on PostgreSQL, every unit for the
    committee), paging on shows each visible hit once, newest first, for
    every kind of staff user."""
    import portal.cases.admin_changelist as changelist

    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    monkeypatch.setattr(changelist, "SEARCH_WALK_BUDGET", 0)
    monkeypatch.setattr(CaseChangeList, "search_walk_pays", lambda self: walk)
    user = people[role]
    expected = newest_first_pks(visible_cases(user).filter(case_search_q("噪声")))
    assert expected or role == "street_clerk"  # the street has no such matter
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        cl, _body = search_page(client, {"q": "噪声"})
    # (Read before the next request: each one empties the connection's log.)
    sqls = [query["sql"] for query in queries.captured_queries]
    by_units = any("yiwang_unit_bigrams" in sql for sql in sqls)
    assert by_units is (connection.vendor == "postgresql")
    district_titles = re.compile(r'yiwang_bigrams\([^()]*"title"\)')
    assert not any(district_titles.search(sql) for sql in sqls)
    shown = [case.pk for case in cl.result_list]
    while cl.next_page_url:
        cl, _body = search_page(client, cl.next_page_url)
        shown += [case.pk for case in cl.result_list]
    assert shown == expected


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the bigram indexes are PostgreSQL's"
)
@pytest.mark.django_db
def test_the_titles_have_only_the_department_keyed_index():
    """Migration 0010 dropped the index of the whole district's titles: a
    filing writes one set of title keys (the department-keyed index's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename = 'cases_case' AND indexdef LIKE '%%bigrams%%'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"case_unit_title_bigrams"}


@pytest.mark.parametrize(
    "role", ["clerk", "clerk2", "leader", "other_clerk", "street_clerk", "committee"]
)
@pytest.mark.parametrize("cap", [3, 10_000])
def test_a_sorted_search_is_the_selectors_hits_in_the_columns_order(
    client, reached, people, monkeypatch, role, cap
):
    """A search sorted by a column (``?q=…&o=1``: the tracking number, or the
    title where the list has no action checkbox, as the committee's) pages
    through exactly the visible hits in that order, counted exactly; on
    PostgreSQL its hits are read through the units' title keys first
    (sorted_search_queryset) and the LIKE is never counted. With more hits
    than the cap, the count says "cap+" without counting and the first page
    is still the first of all the hits: walked along the tracking number's
    index (the clerks' column 1), or sorted among all the hits collected
    through the units' keys (the committee's column 1, the title)."""
    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    monkeypatch.setattr(CappedCountPaginator, "cap", cap)
    user = people[role]
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        cl, _body = search_page(client, {"q": "噪声", "o": "1"})
    sqls = [query["sql"] for query in queries.captured_queries]
    hits = visible_cases(user).filter(case_search_q("噪声"))
    column = cl.list_display[1]
    assert column == ("title" if role == "committee" else "tracking_number")
    expected = list(hits.order_by(column, "-pk").values_list("pk", flat=True))
    assert expected or role == "street_clerk"
    shown = [case.pk for case in cl.result_list]
    # A cursor means nothing to a sorted list (its links drop it).
    stray, _body = search_page(
        client, {"q": "噪声", "o": "1", "after": "2020-01-01T00:00:00+00:00_1"}
    )
    assert [case.pk for case in stray.result_list] == shown
    if len(expected) > cap:
        assert cl.paginator.count_display == f"{cap}+"
        assert shown == expected[:2]
    else:
        assert cl.result_count == len(expected)
        assert cl.paginator.count_display == str(len(expected))
        page = 1
        while page < cl.paginator.num_pages:
            page += 1
            cl, _body = search_page(client, {"q": "噪声", "o": "1", "p": page})
            shown += [case.pk for case in cl.result_list]
        assert shown == expected
    if connection.vendor == "postgresql":
        by_units = re.compile(r'yiwang_unit_bigrams\([^()]*"title"\)')
        assert any(by_units.search(sql) for sql in sqls)
        assert not any("COUNT(" in sql for sql in sqls), sqls
