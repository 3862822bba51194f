"""Open311 GeoReport v2: every resource in JSON and XML, the spec's errors,
and no personal data in anything public."""

import datetime
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grid import services
from grid.geo import LATITUDE_INVALID
from grid.models import GridEvent
from grid.tests.factories import grid_category, report
from portal.api.open311 import views
from portal.cases.form_fields import FIELD_REQUIRED
from portal.cases.tests.factories import make_category

BASE = "/open311/v2"


@pytest.fixture
def catalogue(tree, category):
    category.form_fields = [
        {"code": "place", "label": "地点", "type": "text", "required": True},
        {"code": "floors", "label": "楼层数", "type": "integer"},
        {
            "code": "severity",
            "label": "严重程度",
            "type": "choice",
            "choices": ["一般", "紧急"],
        },
        {"code": "blocked", "label": "是否堵塞通道", "type": "boolean"},
        {"code": "since", "label": "发现日期", "type": "date"},
    ]
    category.save()
    grid_category(tree["centre"], code="grid-environment", name="环境卫生")
    make_category(
        tree["housing"], code="housing-repair"
    )  # a resident's matter, not public
    return category


@pytest.fixture
def client_key(db):
    client, key = services.open311_client_create(name="City app")
    return key


@pytest.fixture
def published(people, grids, category):
    event = report(
        people["worker"],
        grids["a"],
        category,
        description="楼道堆物，联系人电话13812345678，身份证320102199003074411。",
        address="民主路5号",
    )
    services.event_note_add(
        case=event.case, actor=people["head"], text="内部：物业负责人王某"
    )
    return event


def xml(response):
    return ElementTree.fromstring(response.content)


def test_discovery_json_and_xml(api):
    body = api.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == views.SPECIFICATION
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(api.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_list_only_grid_event_categories(api, catalogue):
    response = api.get(f"{BASE}/services.json")
    assert response["Content-Type"].startswith("application/json")
    codes = [service["service_code"] for service in response.json()]
    assert codes == ["grid-environment", "grid-safety"] or set(codes) == {
        "grid-environment",
        "grid-safety",
    }
    safety = next(s for s in response.json() if s["service_code"] == "grid-safety")
    assert safety["metadata"] is True and safety["type"] == "realtime"
    root = xml(api.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == set(codes)


def test_service_definition_maps_form_fields(api, catalogue):
    body = api.get(f"{BASE}/services/grid-safety.json").json()
    assert body["service_code"] == "grid-safety"
    by_code = {a["code"]: a for a in body["attributes"]}
    assert {code: a["datatype"] for code, a in by_code.items()} == {
        "place": "string",
        "floors": "number",
        "severity": "singlevaluelist",
        "blocked": "singlevaluelist",
        "since": "datetime",
    }
    assert by_code["place"]["required"] is True and by_code["place"]["order"] == 1
    assert by_code["severity"]["values"] == [
        {"key": "一般", "name": "一般"},
        {"key": "紧急", "name": "紧急"},
    ]
    root = xml(api.get(f"{BASE}/services/grid-safety.xml"))
    assert root.tag == "service_definition"
    values = root.find("attributes/attribute[code='severity']/values")
    assert [v.findtext("key") for v in values.findall("value")] == ["一般", "紧急"]


def test_unknown_service_is_a_spec_error(api, catalogue):
    response = api.get(f"{BASE}/services/housing-repair.json")
    assert response.status_code == 404
    assert response.json() == [
        {
            "code": 404,
            "description": str(views.SERVICE_NOT_FOUND % {"code": "housing-repair"}),
        }
    ]
    root = xml(api.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"


def test_requests_publish_no_personal_data(api, people, published):
    response = api.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["service_request_id"] == published.case.tracking_number
    assert row["status"] == "open"
    assert row["agency_responsible"] == "民主社区"
    assert row["address"] == "民主路5号"
    assert row["lat"] == pytest.approx(34.265)
    text = response.content.decode() + api.get(f"{BASE}/requests.xml").content.decode()
    worker = people["worker"]
    for secret in (
        worker.real_name,
        worker.mobile,
        worker.username,
        "13812345678",
        "320102199003074411",
        "物业负责人王某",
    ):
        assert secret not in text, secret
    assert "138****5678" in row["description"]
    assert "320102********4411" in row["description"]


def test_open311_filed_contact_never_appears(api, catalogue, client_key):
    api.post(
        f"{BASE}/requests.json",
        {
            "api_key": client_key,
            "service_code": "grid-safety",
            "description": "路面塌陷",
            "lat": "34.265",
            "long": "117.185",
            "attribute[place]": "民主路口",
            "first_name": "Hong",
            "last_name": "Li",
            "email": "li.hong@example.org",
            "phone": "13700001111",
        },
    )
    event = GridEvent.objects.get()
    assert event.contact["email"] == "li.hong@example.org"
    text = api.get(f"{BASE}/requests.json").content.decode()
    for secret in ("Hong", "li.hong@example.org", "13700001111"):
        assert secret not in text


def test_requests_filters(api, people, grids, category):
    other = grid_category(category.department, code="grid-noise", name="噪声")
    first = report(people["worker"], grids["a"], category)
    second = report(people["worker"], grids["a"], other)
    services.event_close(
        case=second.case, actor=people["head"], reply="已劝导停止施工。"
    )

    def get(**query):
        rows = api.get(f"{BASE}/requests.json", query).json()
        return [row["service_request_id"] for row in rows]

    one, two = first.case.tracking_number, second.case.tracking_number
    assert set(get()) == {one, two}
    assert get(service_code="grid-noise") == [two]
    assert get(status="open") == [one]
    assert get(status="closed") == [two]
    assert set(get(status="open,closed")) == {one, two}
    assert get(service_request_id=f"{one},nope") == [one]
    assert get(service_request_id=one, status="closed") == [one]  # others ignored
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).isoformat(
        timespec="seconds"
    )
    assert get(start_date=tomorrow) == []
    assert set(get(end_date=tomorrow)) == {one, two}
    closed = api.get(f"{BASE}/requests.json", {"status": "closed"}).json()[0]
    assert closed["status_notes"] == "已劝导停止施工。"


def test_request_filter_errors(api, published):
    response = api.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": str(views.DATE_INVALID % {"name": "start_date"})}
    ]
    response = api.get(f"{BASE}/requests.xml", {"status": "pending"})
    assert response.status_code == 400
    root = xml(response)
    assert root.findtext("error/description") == str(views.STATUS_INVALID)


def test_one_request_json_and_xml(api, published):
    number = published.case.tracking_number
    (row,) = api.get(f"{BASE}/requests/{number}.json").json()
    assert row["service_request_id"] == number
    root = xml(api.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/status") == "open"
    missing = api.get(f"{BASE}/requests/2000-0000001.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404


def test_post_needs_a_valid_api_key(api, catalogue, client_key):
    for key in ("", "not-a-key"):
        response = api.post(
            f"{BASE}/requests.json",
            {
                "api_key": key,
                "service_code": "grid-safety",
                "description": "x",
                "lat": "34",
                "long": "117",
            },
        )
        assert response.status_code == 403
        assert response.json() == [
            {"code": 403, "description": str(views.API_KEY_INVALID)}
        ]
    services.open311_client_for_key(client_key).__class__.objects.update(
        is_active=False
    )
    response = api.post(f"{BASE}/requests.json", {"api_key": client_key})
    assert response.status_code == 403


def test_post_files_a_grid_event_in_the_grid_of_the_point(
    api, catalogue, client_key, grids, tree
):
    response = api.post(
        f"{BASE}/requests.json",
        {
            "api_key": client_key,
            "service_code": "grid-safety",
            "description": "消防栓损坏\n详见照片",
            "lat": "34.265",
            "long": "117.185",
            "address_string": "民主路12号",
            "attribute[place]": "民主路12号门口",
            "attribute[severity]": "紧急",
        },
    )
    assert response.status_code == 201
    (row,) = response.json()
    event = GridEvent.objects.select_related("case").get()
    assert row["service_request_id"] == event.case.tracking_number
    assert row["token"] == str(event.token)
    assert event.grid == grids["a"]
    assert event.case.department == tree["community"]
    assert event.case.details["severity"] == "紧急"
    assert event.source == GridEvent.Source.OPEN311
    # outside every grid: the category's department
    response = api.post(
        f"{BASE}/requests.xml",
        {
            "api_key": client_key,
            "service_code": "grid-safety",
            "description": "路灯不亮",
            "address_string": "中山北路1号",
            "attribute[place]": "中山北路",
        },
    )
    assert response.status_code == 201
    root = xml(response)
    number = root.findtext("request/service_request_id")
    case = GridEvent.objects.get(case__tracking_number=number).case
    assert case.department == tree["centre"]


def test_post_errors_in_the_spec_format(api, catalogue, client_key):
    def post(**data):
        return api.post(f"{BASE}/requests.json", {"api_key": client_key, **data})

    response = post(description="x")
    assert response.json() == [
        {"code": 400, "description": str(views.SERVICE_CODE_REQUIRED)}
    ]
    response = post(
        service_code="housing-repair", description="x", lat="34", long="117"
    )
    assert response.status_code == 400
    response = post(service_code="grid-safety", description="x", lat="95", long="117")
    assert response.json()[0]["description"] == str(LATITUDE_INVALID)
    response = post(service_code="grid-safety", description="x", lat="34", long="117")
    assert response.json() == [
        {
            "code": 400,
            "description": str(views.ATTRIBUTE_INVALID)
            % {"code": "place", "message": FIELD_REQUIRED},
        }
    ]
    response = post(service_code="grid-safety", description="", lat="34", long="117")
    assert response.status_code == 400
    assert not GridEvent.objects.exists()


def test_tokens(api, catalogue, client_key):
    row = api.post(
        f"{BASE}/requests.json",
        {
            "api_key": client_key,
            "service_code": "grid-safety",
            "description": "井盖缺失",
            "lat": "34",
            "long": "117",
            "attribute[place]": "x",
        },
    ).json()[0]
    (found,) = api.get(f"{BASE}/tokens/{row['token']}.json").json()
    assert found == {
        "service_request_id": row["service_request_id"],
        "token": row["token"],
    }
    root = xml(api.get(f"{BASE}/tokens/{row['token']}.xml"))
    assert root.findtext("request/service_request_id") == row["service_request_id"]
    assert api.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


def test_unknown_resource_and_method(api):
    response = api.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    assert response.json()[0]["description"] == str(views.RESOURCE_NOT_FOUND)
    response = api.delete(f"{BASE}/services.xml")
    assert response.status_code == 405
    assert xml(response).findtext("error/code") == "405"


def test_requests_query_count_is_constant(api, people, grids, category):
    def many(count):
        for index in range(count):
            report(people["worker"], grids["a"], category, description=f"隐患{index}")

    many(2)
    with CaptureQueriesContext(connection) as small:
        assert len(api.get(f"{BASE}/requests.json").json()) == 2
    many(18)
    with CaptureQueriesContext(connection) as large:
        assert len(api.get(f"{BASE}/requests.xml").content) > 0
    assert len(large.captured_queries) == len(small.captured_queries)
