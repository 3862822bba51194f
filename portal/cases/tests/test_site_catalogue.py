"""The service catalogue: the home page with its search, and a category's
service guide."""

import pytest
from django.urls import reverse

from portal.accounts.tests.factories import make_department
from portal.cases.models import ServiceCategory
from portal.cases.search import initials, search_categories
from portal.cases.tests.factories import file_case, make_category
from portal.cases.tests.site_helpers import page
from portal.cases.views_catalogue import OTHER_TOPIC


def test_initials_of_chinese_names():
    assert initials("户籍证明") == "hjzm"
    assert initials("房屋 维修") == "fwwx"
    assert initials("A级景区投诉") == "ajjqts"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("hjzm", ["户籍证明"]),
        ("HJZM", ["户籍证明"]),
        ("hj", ["户籍证明"]),
        ("户籍", ["户籍证明"]),
        (" 证明 ", ["户籍证明", "无犯罪记录证明"]),
        ("zm", ["户籍证明", "无犯罪记录证明"]),
        ("wx", ["房屋维修"]),
        ("xyz", []),
        ("", ["户籍证明", "房屋维修", "无犯罪记录证明"]),
    ],
)
def test_search_by_name_or_pinyin_initials(query, found):
    categories = [
        ServiceCategory(name=name)
        for name in ("户籍证明", "房屋维修", "无犯罪记录证明")
    ]
    assert [c.name for c in search_categories(categories, query)] == found


@pytest.fixture
def catalogue(district):
    police = make_department("police", parent=district["district"], name="区公安分局")
    police.phone, police.address = "0516-12345678", "鼓楼区中山北路1号"
    police.save()
    hukou = make_category(police, "hukou-certificate", name="户籍证明")
    hukou.topic, hukou.fee, hukou.sort_order = "户籍", "免费", 1
    hukou.save()
    repair = make_category(district["housing"], "housing-repair", name="房屋维修")
    other = make_category(district["market"], "misc", name="其他咨询")
    other.topic = ""
    other.save()
    hidden = make_category(district["market"], "retired", name="户籍旧事项")
    hidden.is_active = False
    hidden.save()
    return {"hukou": hukou, "repair": repair, "other": other, "hidden": hidden}


def test_home_groups_active_categories_by_topic(client, catalogue):
    html = page(client.get(reverse("home")))
    assert html.index("户籍") < html.index("户籍证明") < html.index("住房")
    assert html.index("住房") < html.index("房屋维修")
    # Categories without a topic come last, under "Other services".
    assert (
        html.index("房屋维修") < html.index(str(OTHER_TOPIC)) < html.index("其他咨询")
    )
    assert "户籍旧事项" not in html
    assert reverse("catalogue:category", args=["hukou-certificate"]) in html


def test_home_search_by_pinyin_initials(client, catalogue):
    html = page(client.get(reverse("home"), {"q": "hjzm"}))
    assert "户籍证明" in html
    assert "房屋维修" not in html
    assert "户籍旧事项" not in html  # inactive categories are never found
    html = page(client.get(reverse("home"), {"q": "维修"}))
    assert "房屋维修" in html and "户籍证明" not in html


def test_category_page_shows_the_service_guide(client, catalogue):
    response = client.get(reverse("catalogue:category", args=["hukou-certificate"]))
    assert response.status_code == 200
    html = page(response)
    for text in (
        "户籍证明",
        "身份证",  # materials, one item per line
        "房屋产权证明",
        "《物业管理条例》",  # legal basis
        "《信访工作条例》第二十四条",  # the acceptance limit's basis
        "《信访工作条例》第三十五条",
        "免费",
        "区公安分局",
        "0516-12345678",
        "鼓楼区中山北路1号",
        reverse("catalogue:file", args=["hukou-certificate"]),
    ):
        assert text in html, text
    # The acceptance stage comes before the handling stage, each in its unit.
    acceptance = html.index("《信访工作条例》第二十四条")
    assert acceptance < html.index("《信访工作条例》第三十五条")


def test_inactive_or_unknown_category_is_404(client, catalogue):
    assert (
        client.get(reverse("catalogue:category", args=["retired"])).status_code == 404
    )
    assert client.get(reverse("catalogue:category", args=["nope"])).status_code == 404


def _grow(district, catalogue, n):
    """n more categories with their policies, and n cases in the guide's category."""
    owner = catalogue["owner"]
    for i in range(n):
        make_category(district["housing"], f"extra-{n}-{i}", name=f"事项{n}-{i}")
        file_case(catalogue["hukou"], owner)


@pytest.mark.parametrize("n", [3, 30])
def test_catalogue_query_count_is_constant(
    client, district, catalogue, people, n, django_assert_num_queries
):
    catalogue["owner"] = people["owner"]
    _grow(district, catalogue, n)
    # One query: the active categories with their departments; the search
    # filters them in Python.
    with django_assert_num_queries(1):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_num_queries(1):
        html = page(client.get(reverse("home"), {"q": "sx"}))
    assert html.count(f"事项{n}-") == n


@pytest.mark.parametrize("n", [3, 30])
def test_category_page_query_count_is_constant(
    client, district, catalogue, people, n, django_assert_num_queries
):
    catalogue["owner"] = people["owner"]
    _grow(district, catalogue, n)
    client.force_login(people["owner"])
    url = reverse("catalogue:category", args=["hukou-certificate"])
    # session, user, category with its department, its deadline policies,
    # the unread inbox count in the header
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
