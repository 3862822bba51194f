"""portal.prepared.object_by_pk: one object by id, as the ORM's
select_related().get() gives it, with SQL compiled once per connection."""

import pytest
from django.core.exceptions import ValidationError

from portal.accounts.tests.factories import ResidentFactory
from portal.cases.admin import CASE_PAGE_RELATED
from portal.cases.models import Case
from portal.cases.tests.factories import file_case
from portal.prepared import object_by_pk


def values(obj) -> dict:
    return {
        field.attname: getattr(obj, field.attname)
        for field in type(obj)._meta.concrete_fields
    }


@pytest.mark.django_db
def test_a_case_with_its_relations_is_the_orms(
    category, people, django_assert_num_queries
):
    """Every field of the case and of each related object is the ORM's (the
    applicant's identity number decrypted, a missing assignee None); the
    relations are read in the one query; the second read reuses the SQL."""
    applicant = ResidentFactory(username="zhao", resident_id="11010519491231002X")
    case = file_case(category, applicant, submitter=people["owner"])
    file_case(category, people["owner"], title="另一件")
    expected = Case.objects.select_related(*CASE_PAGE_RELATED).get(pk=case.pk)
    assert expected.assignee is None
    for pk in (case.pk, str(case.pk)):
        with django_assert_num_queries(1):
            read = object_by_pk(Case, pk, CASE_PAGE_RELATED)
            related = {name: getattr(read, name) for name in CASE_PAGE_RELATED}
        assert values(read) == values(expected)
        assert not read._state.adding and read._state.db == "default"
        for name, obj in related.items():
            orm = getattr(expected, name)
            assert (obj is None) == (orm is None)
            if obj is not None:
                assert values(obj) == values(orm)
        assert related["applicant"].resident_id == "11010519491231002X"
        assert related["submitter"] == people["owner"]
    assert object_by_pk(Case, case.pk + 1000, CASE_PAGE_RELATED) is None


@pytest.mark.django_db
def test_without_relations_and_with_a_malformed_id(category, people):
    case = file_case(category, people["owner"])
    read = object_by_pk(Case, case.pk)
    assert values(read) == values(Case.objects.get(pk=case.pk))
    assert "category" not in read._state.fields_cache
    with pytest.raises(ValidationError):
        object_by_pk(Case, "12a")
