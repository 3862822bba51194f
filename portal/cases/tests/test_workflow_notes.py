"""workflow.note_case and system_note_case: one transaction, permission
checked, a timeline entry beside a history row, notified after commit."""

import pytest
from django.core.exceptions import ValidationError

from portal.accounts.services import get_system_user
from portal.cases import workflow
from portal.cases.models import Case, CaseEvent
from portal.cases.tests.factories import file_case
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(category, people):
    return file_case(category, people["owner"])


def refused(call, message):
    with pytest.raises(ValidationError) as excinfo:
        call()
    assert excinfo.value.messages == [str(message)]


def test_an_internal_note_is_on_the_timeline_and_in_the_history(case, people):
    version = case.version
    event = workflow.note_case(case=case, actor=people["clerk"], text=" 已电话联系 ")
    assert event.kind == CaseEvent.Kind.NOTE
    assert (event.is_public, event.internal_note, event.message) == (
        False,
        "已电话联系",
        "",
    )
    assert event.actor == people["clerk"]
    assert event.from_status == event.to_status == case.status
    assert event.history.get().history_user == people["clerk"]
    record = Case.objects.get(pk=case.pk).history.first()
    assert record.history_user == people["clerk"]
    assert record.history_change_reason == f"{CaseEvent.Kind.NOTE.label}: 已电话联系"
    # A note makes no open form stale.
    assert Case.objects.get(pk=case.pk).version == version
    workflow.accept_case(case=case, actor=people["clerk2"])


def test_a_public_note_is_said_to_the_applicant_after_commit(
    case, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.note_case(
            case=case, actor=people["clerk"], text="周三上门查看", public=True
        )
    assert (event.is_public, event.message, event.internal_note) == (
        True,
        "周三上门查看",
        "",
    )
    assert list(
        Notification.objects.filter(event=event).values_list(
            "recipient__username", flat=True
        )
    ) == ["owner"]


def test_an_internal_note_tells_nobody(
    case, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = workflow.note_case(case=case, actor=people["clerk"], text="内部")
    assert not Notification.objects.filter(event=event).exists()


def test_data_is_kept_on_the_entry(case, people):
    event = workflow.note_case(
        case=case, actor=people["clerk"], text="x", data={"source": "test"}
    )
    assert CaseEvent.objects.get(pk=event.pk).data == {"source": "test"}


@pytest.mark.parametrize("who", ["owner", "other_resident", "other_clerk"])
def test_an_internal_note_needs_the_staff_view(case, people, who):
    refused(
        lambda: workflow.note_case(case=case, actor=people[who], text="x"),
        workflow.NOTE_NOT_ALLOWED,
    )
    assert case.events.count() == 1


def test_the_committee_may_note_but_not_speak_to_the_applicant(case, people):
    workflow.note_case(case=case, actor=people["committee"], text="请加快办理")
    refused(
        lambda: workflow.note_case(
            case=case, actor=people["committee"], text="x", public=True
        ),
        workflow.PUBLIC_NOTE_NOT_ALLOWED,
    )
    assert case.events.count() == 2


def test_an_empty_note_is_refused_next_to_the_field(case, people):
    with pytest.raises(ValidationError) as excinfo:
        workflow.note_case(case=case, actor=people["clerk"], text="  ")
    assert excinfo.value.message_dict == {"text": [str(workflow.NOTE_REQUIRED)]}
    assert case.events.count() == 1
    assert Case.objects.get(pk=case.pk).history.count() == 1


def test_the_system_user_writes_internal_notes(case):
    event = workflow.system_note_case(case=case, text="系统提醒", data={"a": 1})
    assert event.actor == get_system_user()
    assert not event.is_public and event.internal_note == "系统提醒"
    assert Case.objects.get(pk=case.pk).history.first().history_user == event.actor
