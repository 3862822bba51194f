"""The grid workers' phone API: every endpoint, allowed and refused."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from grid.api import views
from grid.models import GridEvent
from grid.photos import MAX_PHOTOS, TOO_MANY_PHOTOS
from grid.services import NOT_IN_GRID, flow
from grid.tests.factories import INSIDE, jpeg_with_gps, png, report
from portal.accounts.models import User
from portal.api.exceptions import NOT_FOUND, VALIDATION_FAILED
from portal.cases.models import Case, CaseStatus, CoHandling

PASSWORD = "yiwang-test-pass"


def second_factor_code(username: str) -> str:
    """A current TOTP code of a new authenticator for this user: staff, grid
    workers included, pass the second factor at the token endpoint (issue 7)."""
    user = User.objects.get(Q(username=username) | Q(mobile=username))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def staff_login(username: str, password: str = PASSWORD) -> dict:
    return {
        "username": username,
        "password": password,
        "otp_token": second_factor_code(username),
    }


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def report_payload(**extra):
    payload = {
        "category": "grid-safety",
        "description": "5号楼消防通道被电动车堵塞。",
        "latitude": INSIDE[0],
        "longitude": INSIDE[1],
    }
    payload.update(extra)
    return payload


@pytest.fixture
def event(people, grids, category):
    return report(people["worker"], grids["a"], category)


# --- login ----------------------------------------------------------------


def test_token_login_refresh_rotates_and_logout_revokes(people):
    client = APIClient()
    response = client.post(url("token"), staff_login("worker_a"), format="json")
    assert response.status_code == 200
    tokens = response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(url("my-events")).status_code == 200

    rotated = client.post(
        url("token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    )
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    reused = client.post(
        url("token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    )
    assert reused.status_code == 401
    assert set(reused.json()) == {"message", "extra"}

    new_refresh = rotated.json()["refresh"]
    assert (
        client.post(url("logout"), {"refresh": new_refresh}, format="json").status_code
        == 200
    )
    again = client.post(url("token-refresh"), {"refresh": new_refresh}, format="json")
    assert again.status_code == 401


def test_login_with_mobile_and_wrong_password(people):
    client = APIClient()
    ok = client.post(url("token"), staff_login("13912345678"))
    assert ok.status_code == 200
    bad = client.post(url("token"), {"username": "worker_a", "password": "nope"})
    assert bad.status_code == 401
    assert set(bad.json()) == {"message", "extra"}


ENDPOINTS = [
    ("get", "my-grids", False),
    ("get", "my-events", False),
    ("post", "event-report", False),
    ("get", "event-detail", True),
    ("post", "event-note", True),
    ("post", "event-accept", True),
    ("post", "event-close", True),
    ("post", "event-pass-up", True),
    ("post", "event-assign", True),
    ("post", "event-dispatch", True),
]


@pytest.mark.parametrize(("method", "name", "needs_event"), ENDPOINTS)
def test_anonymous_is_refused_everywhere(api, event, method, name, needs_event):
    args = [event.case_id] if needs_event else []
    response = getattr(api, method)(url(name, *args))
    assert response.status_code == 401
    assert set(response.json()) == {"message", "extra"}


def test_anonymous_is_refused_grid_list_and_photo(api, event, grids):
    assert api.get(url("grid-events", grids["a"].pk)).status_code == 401
    assert api.get(url("event-photo", event.case_id, 1)).status_code == 401


# --- grids and lists --------------------------------------------------------


def test_my_grids(as_user, people, grids, category):
    rows = as_user(people["head"]).get(url("my-grids")).json()
    assert [(row["grid"]["code"], row["role"]) for row in rows] == [
        ("minzhu-1", "head")
    ]
    assert rows[0]["grid"]["boundary"]["type"] == "Polygon"
    assert as_user(people["resident"]).get(url("my-grids")).json() == []


def test_my_events_are_my_grids_events(as_user, people, grids, category):
    mine = report(people["worker"], grids["a"], category)
    report(people["worker_a2"], grids["a2"], category)
    report(people["worker_c"], grids["c"], category)
    body = as_user(people["head"]).get(url("my-events")).json()
    assert [row["id"] for row in body["results"]] == [mine.case_id]
    row = body["results"][0]
    assert row["grid"]["code"] == "minzhu-1"
    assert row["warning_colour"] == "blue"
    assert row["department"]["kind"] == "community"
    assert body["next"] is None
    assert "count" not in body  # keyset pages: no COUNT over the grid's history


def test_my_events_status_filter(as_user, people, grids, category):
    first = report(people["worker"], grids["a"], category)
    report(people["worker"], grids["a"], category)
    flow.event_accept(case=first.case, actor=people["worker"])
    client = as_user(people["worker"])
    body = client.get(url("my-events"), {"status": "accepted"}).json()
    assert [row["id"] for row in body["results"]] == [first.case_id]
    bad = client.get(url("my-events"), {"status": "nonsense"})
    assert bad.status_code == 400
    assert bad.json()["message"] == str(VALIDATION_FAILED)
    assert "status" in bad.json()["extra"]["fields"]


def test_my_events_cover_each_active_grid_of_the_member(
    as_user, people, grids, category
):
    """A member of two grids sees both grids' events, newest first; a grid
    that is closed down (inactive) leaves the list, and a member of closed
    grids only is refused like a non-member."""
    from grid.models import GridMember
    from grid.selectors import member_grid_ids

    GridMember.objects.create(
        grid=grids["a2"], user=people["worker"], role=GridMember.Role.WORKER
    )
    in_a = report(people["worker"], grids["a"], category)
    in_a2 = report(people["worker"], grids["a2"], category)
    client = as_user(people["worker"])
    assert member_grid_ids(people["worker"]) == sorted([grids["a"].pk, grids["a2"].pk])
    body = client.get(url("my-events")).json()
    assert [row["id"] for row in body["results"]] == [in_a2.case_id, in_a.case_id]
    grids["a2"].is_active = False
    grids["a2"].save(update_fields=["is_active"])
    assert member_grid_ids(people["worker"]) == [grids["a"].pk]
    body = client.get(url("my-events")).json()
    assert [row["id"] for row in body["results"]] == [in_a.case_id]
    response = as_user(people["worker_a2"]).get(url("my-events"))
    assert response.status_code == 403


def test_my_events_refused_to_a_resident(as_user, people, event):
    response = as_user(people["resident"]).get(url("my-events"))
    assert response.status_code == 403
    assert response.json() == {"message": str(views.NOT_A_GRID_MEMBER), "extra": {}}


def test_grid_list_for_members_and_supervisors_only(as_user, people, grids, event):
    path = url("grid-events", grids["a"].pk)
    for allowed in ("worker", "head", "informant", "street"):
        response = as_user(people[allowed]).get(path)
        assert response.status_code == 200, allowed
        assert [row["id"] for row in response.json()["results"]] == [event.case_id]
    for refused in (
        "worker_a2",
        "worker_b",
        "worker_c",
        "other_street",
        "resident",
        "housing",
    ):
        response = as_user(people[refused]).get(path)
        assert response.status_code == 403, refused
        assert response.json()["message"] == str(views.NOT_THIS_GRID)
    assert as_user(people["worker"]).get(url("grid-events", 999999)).status_code == 404


def _many(people, grids, category, count):
    for index in range(count):
        report(people["worker"], grids["a"], category, description=f"第{index}处隐患")


@pytest.mark.parametrize("name", ["my-events", "grid-events"])
def test_list_query_count_is_constant(
    as_user, people, grids, category, django_assert_num_queries, name
):
    client = as_user(people["worker"])
    args = [grids["a"].pk] if name == "grid-events" else []
    _many(people, grids, category, 3)
    client.get(url(name, *args))  # warm the per-user permission cache
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url(name, *args)).json()["results"]) == 3
    _many(people, grids, category, 27)
    with django_assert_num_queries(len(small.captured_queries)):
        body = client.get(url(name, *args), {"page_size": 10}).json()
    assert len(body["results"]) == 10
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(body["next"]).json()["results"]) == 10


@pytest.mark.parametrize("name", ["my-events", "grid-events"])
def test_list_pages_follow_the_cursor_newest_first(
    as_user, people, grids, category, name
):
    made = [report(people["worker"], grids["a"], category).case_id for _ in range(5)]
    client = as_user(people["head"])
    args = [grids["a"].pk] if name == "grid-events" else []
    pages, next_url = [], url(name, *args) + "?page_size=2"
    while next_url:
        body = client.get(next_url).json()
        pages.append([row["id"] for row in body["results"]])
        next_url = body["next"]
    assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]


def test_list_pages_break_ties_of_the_report_time_by_id(
    as_user, people, grids, category
):
    """Events reported in the same instant (a batch import, a retry) are
    neither repeated nor skipped across pages: the cursor holds the time and
    the id, and the next page starts after both."""
    made = [report(people["worker"], grids["a"], category).case_id for _ in range(5)]
    same = GridEvent.objects.get(case_id=made[0]).created_at
    GridEvent.objects.filter(case_id__in=made[1:4]).update(created_at=same)
    client = as_user(people["head"])
    seen, next_url = [], url("my-events") + "?page_size=2"
    while next_url:
        body = client.get(next_url).json()
        seen += [row["id"] for row in body["results"]]
        next_url = body["next"]
    assert seen == [made[4], made[3], made[2], made[1], made[0]]


def test_list_status_filter_keeps_its_cursor(as_user, people, grids, category):
    events = [report(people["worker"], grids["a"], category) for _ in range(3)]
    for event in events:
        flow.event_accept(case=event.case, actor=people["worker"])
    report(people["worker"], grids["a"], category)
    client = as_user(people["worker"])
    first = client.get(url("my-events"), {"status": "accepted", "page_size": 2})
    body = first.json()
    assert [row["id"] for row in body["results"]] == [
        events[2].case_id,
        events[1].case_id,
    ]
    assert "status=accepted" in body["next"]
    rest = client.get(body["next"]).json()
    assert [row["id"] for row in rest["results"]] == [events[0].case_id]
    assert rest["next"] is None


def test_list_refuses_a_forged_cursor(as_user, people, event):
    response = as_user(people["worker"]).get(url("my-events"), {"cursor": "x:y:z"})
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}


def test_list_skips_events_the_user_may_not_see(as_user, tree, people, grids, category):
    """An event of the grid that moved out of the worker's sight (here: owned
    by a department they have no grant on) is left out; the page around it
    ends early rather than leaving a gap, and the next one goes on."""
    older = report(people["worker"], grids["a"], category)
    hidden = report(people["head"], grids["a"], category)
    newer = report(people["worker"], grids["a"], category)
    Case.objects.filter(pk=hidden.case_id).update(department=tree["market"])
    client = as_user(people["worker"])
    body = client.get(url("my-events"), {"page_size": 2}).json()
    assert [row["id"] for row in body["results"]] == [newer.case_id]
    rest = client.get(body["next"]).json()
    assert [row["id"] for row in rest["results"]] == [older.case_id]
    assert rest["next"] is None


def test_list_row_is_what_the_declared_fields_give(people, grids, category):
    """The list's hand-built rows equal DRF's generic output of the same
    serializer fields: a running event and a closed one (no due time), in
    the site's time zone and in UTC (DRF writes "Z"), in both languages."""
    from django.utils import timezone, translation
    from rest_framework import serializers

    from grid import selectors
    from grid.api.outputs import EventRowOutput

    report(people["worker"], grids["a"], category)
    closed = report(people["worker"], grids["a"], category)
    flow.event_close(case=closed.case, actor=people["head"], reply="已清理。")
    rows, _next = selectors.event_page(
        people["worker"], grid_ids=[grids["a"].pk], size=10
    )
    assert [row.stage_due_at is None for row in rows] == [True, False]
    for zone in ("Asia/Shanghai", "UTC"):
        for language in ("zh-hans", "en"):
            with timezone.override(zone), translation.override(language):
                output = EventRowOutput(rows, many=True)
                generic = [
                    serializers.Serializer.to_representation(output.child, row)
                    for row in rows
                ]
                assert output.data == generic, (zone, language)
    assert output.data[1]["submitted_at"].endswith("Z")


# --- reporting --------------------------------------------------------------


def test_report_creates_an_event(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"), report_payload(title="消防通道堵塞", address="民主路5号")
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "消防通道堵塞"
    assert body["status"] == CaseStatus.SUBMITTED
    assert body["grid"]["code"] == "minzhu-1"
    assert body["department"]["code"] == "minzhu"
    assert body["address"] == "民主路5号"
    assert body["timeline"][0]["kind"] == "submitted"
    assert body["stage_due_at"]


def test_idempotent_retry_returns_the_first_event(as_user, people, grids, category):
    client = as_user(people["worker"])
    first = client.post(
        url("event-report"), report_payload(), HTTP_IDEMPOTENCY_KEY="phone-7f3a-0001"
    )
    retry = client.post(
        url("event-report"), report_payload(), HTTP_IDEMPOTENCY_KEY="phone-7f3a-0001"
    )
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1
    by_field = client.post(
        url("event-report"), report_payload(idempotency_key="phone-7f3a-0002")
    )
    again = client.post(
        url("event-report"), report_payload(idempotency_key="phone-7f3a-0002")
    )
    assert (by_field.status_code, again.status_code) == (201, 200)
    assert Case.objects.count() == 2


def test_report_with_photos_strips_gps(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"),
        report_payload(photos=[jpeg_with_gps("a.jpg"), png("b.png", gps=True)]),
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    photos = response.json()["photos"]
    assert [photo["name"] for photo in photos] == ["a.jpg", "b.png"]
    download = as_user(people["worker"]).get(photos[0]["url"])
    assert download.status_code == 200
    image = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert ExifTags.IFD.GPSInfo not in image.getexif()


def test_report_keeps_gps_when_asked(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"),
        report_payload(photos=[jpeg_with_gps()], keep_location="true"),
        format="multipart",
    )
    photo = response.json()["photos"][0]
    data = b"".join(as_user(people["worker"]).get(photo["url"]).streaming_content)
    assert ExifTags.IFD.GPSInfo in Image.open(io.BytesIO(data)).getexif()


def test_report_refuses_ten_photos(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"),
        report_payload(photos=[png(f"{i}.png") for i in range(10)]),
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["photos"] == [
        str(TOO_MANY_PHOTOS % {"max": MAX_PHOTOS})
    ]
    assert not Case.objects.exists()


def test_report_validation_error_shape(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"), {"category": "grid-safety", "latitude": "100"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == str(VALIDATION_FAILED)
    assert set(body["extra"]["fields"]) >= {"description", "latitude", "longitude"}


def test_report_refused_to_a_resident_and_outside_ones_grid(
    as_user, people, grids, category
):
    response = as_user(people["resident"]).post(url("event-report"), report_payload())
    assert response.status_code == 403
    assert response.json()["message"] == str(NOT_IN_GRID)
    response = as_user(people["worker_c"]).post(
        url("event-report"), report_payload(grid=grids["a"].pk)
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_report_needs_the_grid_when_one_belongs_to_several(
    as_user, people, grids, category
):
    from grid import services

    services.grid_member_add(
        actor=None, grid=grids["a2"], user=people["worker"], role="worker"
    )
    client = as_user(people["worker"])
    response = client.post(url("event-report"), report_payload())
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["grid"] == [str(views.GRID_REQUIRED)]
    response = client.post(url("event-report"), report_payload(grid=grids["a2"].pk))
    assert response.status_code == 201
    assert response.json()["grid"]["code"] == "minzhu-2"


def test_report_unknown_category(as_user, people, grids, category):
    response = as_user(people["worker"]).post(
        url("event-report"), report_payload(category="no-such")
    )
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["category"] == [
        str(views.CATEGORY_UNKNOWN)
    ]


# --- one event ----------------------------------------------------------------


def test_follow_shows_the_internal_timeline_to_staff(as_user, people, event):
    as_user(people["head"]).post(
        url("event-note", event.case_id), {"text": "已通知物业"}
    )
    body = as_user(people["worker"]).get(url("event-detail", event.case_id)).json()
    notes = [entry for entry in body["timeline"] if entry["kind"] == "note"]
    assert notes[0]["internal_note"] == "已通知物业"
    assert notes[0]["is_public"] is False
    assert body["reporter"] == "赵磊"


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "event-detail"),
        ("post", "event-note"),
        ("post", "event-accept"),
        ("post", "event-close"),
        ("post", "event-pass-up"),
        ("post", "event-assign"),
        ("post", "event-dispatch"),
    ],
)
def test_an_event_out_of_sight_is_404(as_user, people, event, method, name):
    """Workers of other grids (same street or not), a resident, another
    street's clerk and a user with no role: as if the event did not exist."""
    for who in ("worker_b", "worker_c", "resident", "other_street", "nobody"):
        response = getattr(as_user(people[who]), method)(
            url(name, event.case_id), {"text": "x", "reason": "x", "reply": "x"}
        )
        assert response.status_code == 404, who
        assert response.json() == {"message": str(NOT_FOUND), "extra": {}}
    event.case.refresh_from_db()
    assert event.case.status == CaseStatus.SUBMITTED
    assert event.case.events.count() == 1


def test_photo_of_an_event_out_of_sight_is_404(as_user, people, grids, category):
    event = report(people["worker"], grids["a"], category, photos=[png()])
    photo = event.case.attachments.get()
    assert (
        as_user(people["worker_c"])
        .get(url("event-photo", event.case_id, photo.pk))
        .status_code
        == 404
    )
    assert (
        as_user(people["worker"])
        .get(url("event-photo", event.case_id, 999))
        .status_code
        == 404
    )


def test_note_accept_and_close(as_user, people, event):
    client = as_user(people["head"])
    response = client.post(
        url("event-note", event.case_id), {"text": "现场查看中", "is_public": True}
    )
    assert response.status_code == 201
    assert response.json()["timeline"][-1]["message"] == "现场查看中"
    response = client.post(url("event-note", event.case_id), {"text": " "})
    assert response.status_code == 400
    response = client.post(url("event-accept", event.case_id), {"note": "已受理"})
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.ACCEPTED
    again = client.post(url("event-accept", event.case_id))
    assert again.status_code == 400
    response = client.post(url("event-close", event.case_id), {"reply": "杂物已清理。"})
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.RESOLVED
    assert response.json()["outcome"] == "solved"


def test_close_needs_the_basis_for_an_explanation(as_user, people, event):
    response = as_user(people["head"]).post(
        url("event-close", event.case_id), {"reply": "政策解释", "outcome": "explained"}
    )
    assert response.status_code == 400
    assert "basis" in response.json()["extra"]["fields"]
    event.case.refresh_from_db()
    assert event.case.status == CaseStatus.SUBMITTED  # the acceptance was undone


def test_a_worker_who_can_see_but_not_handle_is_403(as_user, people, event):
    """After the event went up to the street, the community keeps read access
    for the record but can no longer act on it."""
    as_user(people["worker"]).post(
        url("event-pass-up", event.case_id), {"reason": "社区无法处理"}
    )
    response = as_user(people["worker"]).post(url("event-accept", event.case_id))
    assert response.status_code == 403
    assert response.json()["extra"]["code"] == "not_allowed"
    assert (
        as_user(people["worker"]).get(url("event-detail", event.case_id)).status_code
        == 200
    )


def test_assign_and_dispatch_need_the_right_level(as_user, people, event):
    response = as_user(people["worker"]).post(
        url("event-assign", event.case_id), {"department": "housing", "reason": "x"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == str(flow.NOT_AT_STREET)
    response = as_user(people["worker"]).post(
        url("event-dispatch", event.case_id), {"lead": "nope", "reason": "x"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == str(
        views.DEPARTMENT_UNKNOWN % {"codes": "nope"}
    )


def test_street_assigns_to_a_department(as_user, people, event):
    as_user(people["worker"]).post(
        url("event-pass-up", event.case_id), {"reason": "需街道协调"}
    )
    response = as_user(people["street"]).post(
        url("event-assign", event.case_id),
        {"department": "housing", "reason": "房屋安全问题"},
    )
    assert response.status_code == 200
    assert response.json()["department"]["code"] == "housing"


# --- end to end ----------------------------------------------------------------


def _login(username):
    client = APIClient()
    tokens = client.post(url("token"), staff_login(username)).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


def test_end_to_end_from_a_phone_up_three_levels_to_lead_and_helper(
    people, grids, category
):
    worker, street, centre = (
        _login("worker_a"),
        _login("clerk_fengcai"),
        _login("clerk_command"),
    )
    urban, housing = _login("clerk_urban"), _login("clerk_housing")

    filed = worker.post(
        url("event-report"),
        report_payload(photos=[jpeg_with_gps()]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="e2e-1",
    )
    assert filed.status_code == 201
    event_id = filed.json()["id"]
    assert worker.get(url("my-events")).json()["results"][0]["id"] == event_id

    # level 1: the community passes it up to the street
    step = worker.post(url("event-pass-up", event_id), {"reason": "占道涉及多个社区"})
    assert step.json()["department"]["code"] == "fengcai"
    # level 2: the street passes it to the district command centre
    assert street.get(url("event-detail", event_id)).status_code == 200
    step = street.post(url("event-pass-up", event_id), {"reason": "跨部门，需区级统筹"})
    assert step.json()["department"]["code"] == "command-centre"
    # level 3: the command centre names the lead and a helper
    step = centre.post(
        url("event-dispatch", event_id),
        {
            "lead": "urban",
            "helpers": ["housing"],
            "reason": "城管牵头，住建配合",
            "note": "三日内办结",
        },
        format="json",
    )
    assert step.status_code == 200, step.json()
    assert step.json()["department"]["code"] == "urban"
    assert step.json()["co_handlers"] == ["区住建局"]
    # the lead takes it on, the helper reports, the lead replies
    assert urban.post(url("event-accept", event_id)).json()["status"] == "accepted"
    assert (
        housing.post(
            url("event-note", event_id), {"text": "已派员核查违建"}
        ).status_code
        == 201
    )
    closed = urban.post(
        url("event-close", event_id), {"reply": "占道已清理，违建已拆除。"}
    )
    assert closed.json()["status"] == CaseStatus.RESOLVED
    kinds = [entry["kind"] for entry in closed.json()["timeline"]]
    assert kinds == [
        "submitted",
        "escalated",
        "transferred",
        "accepted",
        "co_handling",
        "transferred",
        "accepted",
        "note",
        "resolved",
    ]
    # the retry of the first report, arriving late, still finds the same event
    retry = worker.post(
        url("event-report"), report_payload(), HTTP_IDEMPOTENCY_KEY="e2e-1"
    )
    assert (retry.status_code, retry.json()["id"]) == (200, event_id)
    assert GridEvent.objects.count() == 1
    assert CoHandling.objects.get().department.code == "housing"
    # the worker who filed it still follows it to the end
    assert worker.get(url("event-detail", event_id)).json()["status"] == "resolved"


# --- schema and docs ------------------------------------------------------------


def test_schema_is_openapi_3_with_every_endpoint(api):
    response = api.get(url("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/events/",
        "/api/v1/events/report/",
        "/api/v1/events/{event_id}/",
        "/api/v1/events/{event_id}/dispatch/",
        "/api/v1/grids/{grid_id}/events/",
        "/api/v1/auth/token/",
    ):
        assert path in schema["paths"], path
    report_op = schema["paths"]["/api/v1/events/report/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in report_op["parameters"])
    # The phones' bearer token is the documented way in (the site's JWT
    # authentication class, portal.api.authentication).
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/v1/events/"]["get"]["security"]


def test_docs_page_is_served_without_a_cdn(api):
    response = api.get(url("docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if re.match(r"(https?:)?//", a)]
    assert not re.search(r"https?://", html)
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
