"""Grid services: members, reporting (idempotent), photos and the three-level
flow, each through the workflow."""

import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from grid import services
from grid.models import Grid, GridEvent, GridMember
from grid.photos import MAX_PHOTOS, PHOTO_NOT_IMAGE, TOO_MANY_PHOTOS
from grid.services import flow
from grid.tests.factories import jpeg_with_gps, make_grid, png, report
from portal.accounts.models import StaffMembership
from portal.cases import workflow
from portal.cases.models import Case, CaseEvent, CaseKind, CaseStatus, CoHandling
from portal.cases.selectors import visible_cases
from portal.cases.tests.factories import pdf_upload


def test_grid_belongs_to_a_community(tree):
    with pytest.raises(ValidationError) as error:
        make_grid(tree["street"], "street-grid")
    assert error.value.message_dict["community"] == [
        str(services.grids.GRID_NOT_UNDER_COMMUNITY)
    ]
    assert not Grid.objects.exists()


def test_grid_save_updates_by_code(tree):
    grid = make_grid(tree["community"], "g1")
    again, created = services.grid_save(
        actor=None, community=tree["community"], code="g1", name="新名字"
    )
    assert (again.pk, created, again.name) == (grid.pk, False, "新名字")


def test_a_grid_member_becomes_a_clerk_of_the_community(people, tree):
    membership = StaffMembership.objects.get(user=people["worker"])
    assert membership.department == tree["community"]
    assert membership.role == StaffMembership.Role.CLERK
    assert people["worker"].is_staff


def test_report_files_a_grid_event_at_the_grids_community(
    people, grids, category, tree
):
    event = report(people["worker"], grids["a"], category, title="消防通道堵塞")
    case = event.case
    assert case.kind == CaseKind.GRID_EVENT
    assert case.department == tree["community"]
    assert case.status == CaseStatus.SUBMITTED
    assert case.stage_due_at is not None  # the category's 24-hour acceptance limit
    assert event.grid == grids["a"] and event.reporter == people["worker"]
    assert case in visible_cases(people["worker"])
    assert case not in visible_cases(people["worker_c"])


def test_report_refused_outside_ones_grid(people, grids, category):
    with pytest.raises(ValidationError) as error:
        report(people["worker_c"], grids["a"], category)
    assert error.value.messages == [str(services.NOT_IN_GRID)]
    assert not Case.objects.exists()


def test_report_refuses_a_category_that_is_not_for_grid_events(people, grids, category):
    category.case_kind = CaseKind.MATTER
    category.save()
    with pytest.raises(ValidationError) as error:
        report(people["worker"], grids["a"], category)
    assert error.value.message_dict["category"] == [str(services.CATEGORY_NOT_FOR_GRID)]


def test_same_key_same_reporter_returns_the_first_event(people, grids, category):
    first, created = services.event_report(
        reporter=people["worker"],
        grid=grids["a"],
        category=category,
        description="路灯不亮",
        latitude="34.1",
        longitude="117.1",
        idempotency_key="k-1",
    )
    again, created_again = services.event_report(
        reporter=people["worker"],
        grid=grids["a"],
        category=category,
        description="路灯不亮",
        latitude="34.1",
        longitude="117.1",
        idempotency_key="k-1",
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Case.objects.count() == 1
    other, created_other = services.event_report(
        reporter=people["head"],
        grid=grids["a"],
        category=category,
        description="路灯不亮",
        latitude="34.1",
        longitude="117.1",
        idempotency_key="k-1",
    )
    assert created_other and other.pk != first.pk


def test_the_unique_constraint_decides_when_the_lookup_misses(people, grids, category):
    """Two racing requests both pass the look-up; the constraint lets one win
    and the loser's case is rolled back."""
    first, _ = services.event_report(
        reporter=people["worker"],
        grid=grids["a"],
        category=category,
        description="井盖缺失",
        latitude="34.1",
        longitude="117.1",
        idempotency_key="race",
    )
    real_lookup = services.events.event_by_idempotency_key
    calls = []

    def miss_once(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    with mock.patch.object(services.events, "event_by_idempotency_key", miss_once):
        again, created = services.event_report(
            reporter=people["worker"],
            grid=grids["a"],
            category=category,
            description="井盖缺失",
            latitude="34.1",
            longitude="117.1",
            idempotency_key="race",
        )
    assert not created and again.pk == first.pk
    assert Case.objects.count() == 1
    assert GridEvent.objects.count() == 1


def _stored_image(case):
    attachment = case.attachments.get()
    with attachment.file.open("rb") as handle:
        data = handle.read()
    return Image.open(io.BytesIO(data)), data


def test_photo_gps_is_stripped_and_the_rest_of_exif_kept(people, grids, category):
    event = report(people["worker"], grids["a"], category, photos=[jpeg_with_gps()])
    image, data = _stored_image(event.case)
    exif = image.getexif()
    assert ExifTags.IFD.GPSInfo not in exif
    assert exif[ExifTags.Base.Model] == "YiwangPhone"
    assert image.format == "JPEG" and image.size == (32, 24)


def test_photo_gps_kept_when_the_worker_asks(people, grids, category):
    upload = jpeg_with_gps()
    original = upload.read()
    upload.seek(0)
    event = report(
        people["worker"], grids["a"], category, photos=[upload], keep_location=True
    )
    image, data = _stored_image(event.case)
    assert data == original
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_png_gps_is_stripped_and_a_clean_png_kept_byte_for_byte(
    people, grids, category
):
    event = report(people["worker"], grids["a"], category, photos=[png(gps=True)])
    image, _data = _stored_image(event.case)
    assert ExifTags.IFD.GPSInfo not in image.getexif()
    clean = png("clean.png")
    original = clean.read()
    clean.seek(0)
    event = report(people["worker"], grids["a"], category, photos=[clean])
    assert _stored_image(event.case)[1] == original


def test_photos_are_checked_by_content_and_counted(people, grids, category):
    with pytest.raises(ValidationError) as error:
        report(people["worker"], grids["a"], category, photos=[pdf_upload("scan.pdf")])
    assert error.value.message_dict["photos"] == [
        str(PHOTO_NOT_IMAGE % {"name": "scan.pdf"})
    ]
    with pytest.raises(ValidationError) as error:
        report(
            people["worker"],
            grids["a"],
            category,
            photos=[png(f"p{i}.png") for i in range(MAX_PHOTOS + 1)],
        )
    assert error.value.message_dict["photos"] == [
        str(TOO_MANY_PHOTOS % {"max": MAX_PHOTOS})
    ]
    fake = png("fake.jpg")
    fake.file = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    fake.size = 104
    with pytest.raises(ValidationError):
        report(people["worker"], grids["a"], category, photos=[fake])
    assert not Case.objects.exists()


def test_a_note_is_internal_and_for_staff_only(people, grids, category):
    event = report(people["worker"], grids["a"], category)
    note = services.event_note_add(
        case=event.case, actor=people["head"], text="已电话联系物业"
    )
    assert note.kind == CaseEvent.Kind.NOTE and not note.is_public
    assert note.internal_note == "已电话联系物业"
    with pytest.raises(ValidationError) as error:
        services.event_note_add(case=event.case, actor=people["resident"], text="x")
    assert error.value.messages == [str(services.NOTE_NOT_ALLOWED)]


def test_three_levels_up_to_a_lead_and_helpers(people, grids, category, tree):
    case = report(people["worker"], grids["a"], category).case
    # community → street (escalation up the tree)
    flow.event_pass_up(
        case=case, actor=people["worker"], reason="涉及多个小区，社区无法协调"
    )
    assert case.department == tree["street"]
    # street → district command centre (a transfer: the centre is not above the street)
    flow.event_pass_up(case=case, actor=people["street"], reason="涉及多个部门")
    assert case.department == tree["centre"]
    assert case.status == CaseStatus.SUBMITTED
    # command centre: lead + helpers in one call
    flow.event_dispatch(
        case=case,
        actor=people["centre"],
        lead=tree["urban"],
        helpers=[tree["housing"], tree["market"]],
        reason="占道经营与违建并存，城管牵头",
    )
    case.refresh_from_db()
    assert case.department == tree["urban"]
    assert case.status == CaseStatus.SUBMITTED
    assert set(
        CoHandling.objects.filter(case=case).values_list("department__code", flat=True)
    ) == {"housing", "market"}
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "submitted",
        "escalated",
        "transferred",
        "accepted",
        "co_handling",
        "co_handling",
        "transferred",
    ]
    # the lead accepts and replies; a helper may act on it too
    workflow.accept_case(case=case, actor=people["urban"])
    assert case.stage_due_at is not None
    services.event_note_add(case=case, actor=people["housing"], text="住建局已派员到场")
    flow.event_close(case=case, actor=people["urban"], reply="已拆除违建，清理占道。")
    assert case.status == CaseStatus.RESOLVED


def test_dispatch_is_all_or_nothing(people, grids, category, tree):
    case = report(people["worker"], grids["a"], category).case
    flow.event_pass_up(case=case, actor=people["worker"], reason="上报")
    flow.event_pass_up(case=case, actor=people["street"], reason="上报区中心")
    with pytest.raises(ValidationError) as error:
        flow.event_dispatch(
            case=case,
            actor=people["centre"],
            lead=tree["urban"],
            helpers=[tree["urban"]],
            reason="x",
        )
    assert error.value.message_dict["helpers"] == [str(services.LEAD_IS_HELPER)]
    # a refusal half way (someone else's department cannot be dispatched by a clerk
    # who does not hold the case) leaves nothing behind
    with pytest.raises(ValidationError):
        flow.event_dispatch(
            case=case,
            actor=people["housing"],
            lead=tree["urban"],
            helpers=[tree["market"]],
            reason="x",
        )
    case.refresh_from_db()
    assert case.department == tree["centre"] and case.status == CaseStatus.SUBMITTED
    assert not CoHandling.objects.exists()


def test_levels_are_checked(people, grids, category, tree):
    case = report(people["worker"], grids["a"], category).case
    with pytest.raises(ValidationError) as error:
        flow.event_assign_department(
            case=case, actor=people["worker"], department=tree["housing"], reason="x"
        )
    assert error.value.messages == [str(services.NOT_AT_STREET)]
    with pytest.raises(ValidationError) as error:
        flow.event_dispatch(
            case=case,
            actor=people["worker"],
            lead=tree["housing"],
            helpers=[],
            reason="x",
        )
    assert error.value.messages == [str(services.NOT_AT_COMMAND_CENTRE)]
    flow.event_pass_up(case=case, actor=people["worker"], reason="上报")
    flow.event_assign_department(
        case=case, actor=people["street"], department=tree["housing"], reason="房屋问题"
    )
    assert case.department == tree["housing"]
    with pytest.raises(ValidationError) as error:
        flow.event_pass_up(case=case, actor=people["housing"], reason="x")
    assert error.value.messages == [
        str(services.NOT_AT_COMMUNITY_OR_STREET % {"department": tree["housing"]})
    ]


def test_community_handles_and_closes_itself(people, grids, category):
    case = report(people["worker"], grids["a"], category).case
    flow.event_close(case=case, actor=people["head"], reply="已现场清理。")
    assert case.status == CaseStatus.RESOLVED
    assert list(case.events.values_list("kind", flat=True)) == [
        "submitted",
        "accepted",
        "resolved",
    ]


def test_command_centre_for_a_street(tree):
    assert flow.command_centre_for(tree["street"]) == tree["centre"]
    assert flow.command_centre_for(tree["housing"]) == tree["centre"]


def test_members_keep_one_role_per_grid(people, grids):
    services.grid_member_add(
        actor=None, grid=grids["a"], user=people["worker"], role="head"
    )
    assert GridMember.objects.get(grid=grids["a"], user=people["worker"]).role == "head"
