"""The changelist's search with many hits: the page walks the (submitted_at,
id) index with the LIKE alone (without_bigram_index) and finds exactly the
cases, in the same order, that the bigram index finds."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.cases.admin import CaseAdmin
from portal.cases.admin_changelist import (
    CaseChangeList,
    search_word_q,
    without_bigram_index,
)
from portal.cases.models import Case
from portal.cases.selectors import case_search_q
from portal.cases.tests.factories import file_case, make_category

CHANGELIST = reverse("admin:cases_case_changelist")


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def titled(category, people, district):
    other = make_category(district["market"], code="market-complaint", name="消费投诉")
    titles = ["夜间噪声扰民", "ABC噪声", "abc 路灯", "楼道漏水", "噪", "噪 声", "50%噪声"]
    for index, title in enumerate(titles):
        applicant = people["owner"] if index % 2 else people["other_resident"]
        file_case(category, applicant, title=title)
    file_case(other, people["owner"], title="商家噪声")
    return titles


def test_without_bigram_index_finds_what_the_selector_finds(titled, people):
    words = ["噪声", "abc", "ABC", "路", "%", "噪 声", people["owner"].real_name, "无此词"]
    for word in words:
        expected = ids(Case.objects.filter(case_search_q(word)))
        searched = Case.objects.filter(search_word_q(word))
        assert ids(searched) == expected, word
        assert ids(without_bigram_index(searched)) == expected, word


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
    """Walked (many hits), the page drops the bigram condition; sorted (few
    hits), it keeps it; both list the visible hits newest first."""
    monkeypatch.setattr(CaseAdmin, "list_per_page", 2)
    monkeypatch.setattr(CaseChangeList, "walk_pays", lambda self: walk)
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
        pages = [sql for sql in sqls if "LIMIT 2" in sql and "COUNT(" not in sql]
        assert pages, sqls
        bigrams = re.compile(r'yiwang_bigrams\([^()]*"title"\)')
        assert any(bigrams.search(sql) for sql in pages) is not walk


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
