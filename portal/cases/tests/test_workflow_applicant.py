"""submit_case's applicant: the submitter by default, a named resident for a
proxy, or explicitly none for what staff or grid workers report."""

import pytest
from django.core.exceptions import ValidationError

from portal.cases import workflow
from portal.cases.models import Case
from portal.cases.selectors import visible_cases

pytestmark = pytest.mark.django_db


def submit(category, submitter, **kwargs):
    return workflow.submit_case(
        category=category, submitter=submitter, title="路灯不亮", **kwargs
    )


def test_the_applicant_is_the_submitter_unless_given(category, people):
    own = submit(category, people["owner"])
    assert own.applicant == own.submitter == people["owner"]
    proxied = submit(category, people["other_resident"], applicant=people["owner"])
    assert proxied.applicant == people["owner"]
    assert proxied.submitter == people["other_resident"]
    assert repr(workflow.AS_SUBMITTER) == "AS_SUBMITTER"


def test_staff_may_report_a_matter_with_no_applicant(category, people):
    case = submit(category, people["street_clerk"], applicant=None)
    assert case.applicant is None
    assert case.submitter == people["street_clerk"]
    assert case.history.get().applicant_id is None
    assert visible_cases(people["street_clerk"]).filter(pk=case.pk).exists()
    assert not visible_cases(people["owner"]).filter(pk=case.pk).exists()


def test_a_resident_cannot_file_a_matter_with_no_applicant(category, people):
    with pytest.raises(ValidationError) as excinfo:
        submit(category, people["owner"], applicant=None)
    assert excinfo.value.messages == [str(workflow.NO_APPLICANT_NOT_ALLOWED)]
    assert not Case.objects.exists()
