"""Where a street clerk finds the whistle: the button on the admin's case
page (blow, or the whistle's file) and the whistle box of the admin index,
each shown only to whom the page opens."""

import pytest
from django.urls import reverse

from grid.whistle.tests.factories import blow

pytestmark = pytest.mark.django_db
MISSING = "missing"


def change_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def whistle_button(client, user, case):
    """The whistle button's href on the case page, None without one; MISSING
    if the admin answers as for a case that does not exist (back to the
    index, as Django's admin does for a missing object)."""
    client.force_login(user)
    page = client.get(change_url(case))
    if page.status_code == 302 and page.url == reverse("admin:index"):
        return MISSING
    assert page.status_code == 200
    action = page.context["whistle_action"]
    if action is None:
        assert b"case-action-whistle" not in page.content
        return None
    assert f'href="{action["url"]}"'.encode() in page.content
    return action["url"]


def test_the_blow_button_shows_to_the_street_staff_who_may_blow(
    client, whistle_people, street_case
):
    blow_url = reverse("whistle:blow", args=[street_case.pk])
    for who in ("street_clerk", "secretary"):
        assert whistle_button(client, whistle_people[who], street_case) == blow_url
        # ... and the page behind it opens for them.
        assert client.get(blow_url).status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("community_clerk", None),  # may handle it, but is no street's staff
        ("committee", None),  # oversees, never blows
        ("clerk", MISSING),  # housing: does not see the matter
        ("other_street_clerk", MISSING),
    ],
)
def test_the_blow_button_is_not_shown_to_others(
    client, whistle_people, street_case, who, expected
):
    assert whistle_button(client, whistle_people[who], street_case) == expected
    if expected is None:
        # The page behind the button refuses them too.
        response = client.get(reverse("whistle:blow", args=[street_case.pk]))
        assert response.status_code == 403


def test_no_blow_button_on_a_closed_matter(client, whistle_people, street_case):
    from portal.cases import workflow

    workflow.resolve_case(
        case=street_case,
        actor=whistle_people["street_clerk"],
        outcome="solved",
        reply="已处理。",
    )
    workflow.confirm_case(case=street_case, actor=whistle_people["resident"])
    assert whistle_button(client, whistle_people["street_clerk"], street_case) is None


def test_once_blown_the_button_opens_the_file_for_those_who_see_it(
    client, district, whistle_people, street_case
):
    whistle = blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"]],
    )
    file_url = whistle.get_absolute_url()
    for who in ("street_clerk", "clerk", "committee"):
        assert whistle_button(client, whistle_people[who], street_case) == file_url
        assert client.get(file_url).status_code == 200
    # The market clerk was not summoned: no case page, no file.
    assert whistle_button(client, whistle_people["other_clerk"], street_case) == MISSING
    assert client.get(file_url).status_code == 404


def test_the_button_asks_one_query_for_a_matter_without_a_whistle(
    whistle_people, street_case, django_assert_num_queries
):
    """Whether the matter has a whistle and whether the user works for a
    street are asked together (the clerk's department grant, which says
    whether they may handle it, is read once a request by the page before
    the button)."""
    from grid.whistle.templatetags.whistle_nav import whistle_case_action
    from portal.accounts.models import User
    from portal.cases.policies import can_view

    for who, shown in (("street_clerk", "whistle-blow"), ("community_clerk", None)):
        user = User.objects.get(pk=whistle_people[who].pk)
        assert can_view(user, street_case)  # the page's own checks come first
        with django_assert_num_queries(1):
            action = whistle_case_action(street_case, user)
        assert (action and action["name"]) == shown


def index_links(client, user):
    client.force_login(user)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    return [name for name, _label, _url in page.context["whistle_pages"]]


def test_the_admin_index_links_the_whistle_pages_for_whom_they_open(
    client, whistle_people
):
    assert index_links(client, whistle_people["street_clerk"]) == ["whistle-list"]
    assert index_links(client, whistle_people["clerk"]) == ["whistle-list"]
    assert index_links(client, whistle_people["committee"]) == [
        "whistle-list",
        "negative-list",
    ]
    page = client.get(reverse("admin:index"))
    assert reverse("whistle:negative_list").encode() in page.content


def test_the_whistle_pages_are_refused_to_others(client, whistle_people):
    ledger, negative = reverse("whistle:list"), reverse("whistle:negative_list")
    for url in (ledger, negative):
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(whistle_people["resident"])
    assert client.get(ledger).status_code == 404
    assert client.get(negative).status_code == 403
    client.force_login(whistle_people["street_clerk"])
    assert client.get(ledger).status_code == 200
    assert client.get(negative).status_code == 403


def test_the_site_menu_links_the_ledger_for_staff_only(client, whistle_people):
    link = f'href="{reverse("whistle:list")}"'.encode()
    client.force_login(whistle_people["street_clerk"])
    assert link in client.get(reverse("home")).content
    client.force_login(whistle_people["resident"])
    assert link not in client.get(reverse("home")).content


def test_whistle_and_street_answers_as_the_querysets(
    district, whistle_people, street_case
):
    """whistle_and_street's one query gives what the querysets it stands
    for give: the case's whistle, and whether streets_of(user) holds any
    street, for each kind of user, before and after the whistle, and for a
    street member whose street was closed or who left the staff."""
    from django.contrib.auth.models import AnonymousUser

    from grid.whistle.models import Whistle
    from grid.whistle.policies import streets_of, whistle_and_street
    from portal.accounts.models import User

    def expected(user):
        whistle = Whistle.objects.filter(case=street_case).first()
        return (whistle and whistle.pk, streets_of(user).exists())

    def check_everyone():
        people = [user for user in whistle_people.values() if isinstance(user, User)]
        for user in [
            *User.objects.filter(pk__in=[p.pk for p in people]),
            AnonymousUser(),
        ]:
            assert whistle_and_street(user, street_case) == expected(user)

    check_everyone()
    assert whistle_and_street(whistle_people["street_clerk"], street_case) == (
        None,
        True,
    )
    blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"]],
    )
    check_everyone()
    street_clerk = User.objects.get(pk=whistle_people["street_clerk"].pk)
    assert whistle_and_street(street_clerk, street_case)[0] is not None
    district["street"].is_active = False
    district["street"].save(update_fields=["is_active"])
    check_everyone()
    assert whistle_and_street(street_clerk, street_case)[1] is False
    district["street"].is_active = True
    district["street"].save(update_fields=["is_active"])
    street_clerk.is_staff = False
    street_clerk.save(update_fields=["is_staff"])
    assert whistle_and_street(street_clerk, street_case) == expected(street_clerk)
    assert whistle_and_street(street_clerk, street_case)[1] is False
