"""The inbox: only for the signed-in user, only their own messages."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from portal.accounts.tests.factories import ResidentFactory
from portal.notifications import selectors, services
from portal.notifications.context_processors import unread
from portal.notifications.models import Notification, NotificationPreference

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("portal.notifications.tests.urls"),
]


def message(user, title="您的事项已受理", *, read=False, link=""):
    return Notification.objects.create(
        recipient=user,
        title=title,
        body="正文",
        link=link,
        created_at=timezone.now(),
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def alice(db):
    return ResidentFactory(username="alice")


@pytest.fixture
def bob(db):
    return ResidentFactory(username="bob")


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("notifications:inbox", [], "get"),
        ("notifications:read", [1], "post"),
        ("notifications:read_all", [], "post"),
        ("notifications:preferences", [], "get"),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_inbox_shows_only_ones_own_messages(client, alice, bob):
    message(alice, "给爱丽丝的消息")
    message(bob, "给鲍勃的消息")
    client.force_login(alice)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "给爱丽丝的消息" in body
    assert "给鲍勃的消息" not in body
    assert response.context["unread_notifications"] == 1


def test_another_users_message_is_not_found(client, alice, bob):
    theirs = message(bob)
    client.force_login(alice)
    response = client.post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_message_marks_it_read_and_follows_its_link(client, alice):
    mine = message(alice, link="/cases/42/")
    client.force_login(alice)
    response = client.post(reverse("notifications:read", args=[mine.pk]))
    assert response.status_code == 302 and response.url == "/cases/42/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert selectors.unread_count(alice) == 0


def test_a_next_elsewhere_is_not_followed(client, alice):
    mine = message(alice)
    client.force_login(alice)
    response = client.post(
        reverse("notifications:read", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("notifications:inbox")


def test_mark_all_read_touches_only_ones_own(client, alice, bob):
    message(alice)
    message(alice)
    theirs = message(bob)
    client.force_login(alice)
    client.post(reverse("notifications:read_all"))
    assert selectors.unread_count(alice) == 0
    assert selectors.unread_count(bob) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_filter_and_pages(client, alice):
    for i in range(25):
        message(alice, f"消息{i:02d}")
    message(alice, "已读消息", read=True)
    client.force_login(alice)
    response = client.get(reverse("notifications:inbox") + "?unread=1")
    assert len(response.context["page"].object_list) == 20
    assert "已读消息" not in response.content.decode()
    response = client.get(reverse("notifications:inbox") + "?unread=1&page=2")
    assert len(response.context["page"].object_list) == 5


def test_the_inbox_query_count_does_not_grow_with_messages(
    client, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    for i in range(3):
        message(alice, f"消息{i}")
    with django_assert_max_num_queries(8) as small:
        client.get(reverse("notifications:inbox"))
    for i in range(30):
        message(alice, f"更多{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("notifications:inbox"))


def test_unread_count_is_in_every_template(alice, bob):
    message(alice)
    message(alice, read=True)
    message(bob)
    request = RequestFactory().get("/")
    request.user = alice
    context = unread(request)
    rendered = Template("{{ unread_notifications }}").render(Context(context))
    assert rendered == "1"
    request.user = type("Anon", (), {"is_authenticated": False})()
    assert unread(request) == {"unread_notifications": 0}


def test_preferences_page_saves_the_choice(client, alice):
    client.force_login(alice)
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 200
    # Alice's mobile is not verified: the page says she gets the inbox only.
    assert response.context["sms_possible"] is False
    response = client.post(reverse("notifications:preferences"), {"email": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=alice)
    assert (preference.sms, preference.email) == (False, True)
    assert services.channels_for(alice) == {}


def test_unread_count_is_the_inboxs_unread_messages(alice, bob):
    """unread_count is written as SQL for speed; it counts what the ORM would."""
    for read in (False, False, True):
        message(alice, read=read)
    message(bob)
    for user in (alice, bob):
        expected = selectors.inbox(user).filter(read_at__isnull=True).count()
        assert selectors.unread_count(user) == expected
    assert selectors.unread_count(alice) == 2
