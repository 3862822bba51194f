"""History rows carry the acting user: from the request, or the system user."""

import pytest
from django.urls import reverse

from portal.cases.history import case_history_rows
from portal.cases.models import Case, CaseStatus
from portal.cases.tests.factories import file_case


@pytest.mark.django_db
def test_admin_action_records_the_clerk_and_the_reason(client, category, people):
    case = file_case(category, people["owner"])
    client.force_login(people["clerk"])
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "accept_selected", "_selected_action": [case.pk]},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == "accepted"
    latest = case.history.first()
    assert latest.history_user == people["clerk"]
    assert latest.history_change_reason


@pytest.mark.django_db
def test_history_rows_show_field_changes(category, people):
    from portal.cases import workflow

    case = file_case(category, people["owner"])
    workflow.accept_case(case=case, actor=people["clerk"])
    workflow.assign_case(case=case, actor=people["clerk"], assignee=people["clerk2"])
    rows = case_history_rows(case)
    assert [row["user"] for row in rows] == [people["clerk"], people["clerk"], people["owner"]]
    accepted = {change["field"]: change for change in rows[1]["changes"]}
    status = accepted[Case._meta.get_field("status").verbose_name]
    assert (status["old"], status["new"]) == (
        str(CaseStatus.SUBMITTED.label),
        str(CaseStatus.ACCEPTED.label),
    )
    assigned = {change["field"]: change for change in rows[0]["changes"]}
    assert assigned[Case._meta.get_field("assignee").verbose_name]["new"] == str(
        people["clerk2"]
    )
    assert rows[-1]["changes"] == []
