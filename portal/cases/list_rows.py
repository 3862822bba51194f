"""The rows of the clerk's case list as plain values, not model instances.

A page of the list showed 50 cases with their category, department,
applicant and assignee: 250 model instances built by the ORM (each one
walking every field of its model, most of them deferred), ~1.7 ms of the
page's CPU at 100k cases against ~0.1 ms for the same columns as tuples
(``bench/overhead.py`` and the measurement in the commit). A ``ListedCase``
carries what ``CaseAdmin.list_display`` shows and nothing else; the models'
own ``__str__`` and display properties draw it, so a row reads as the model
would (``test_admin_rows`` compares every cell with Django's drawing of the
model instance).
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from portal.accounts.models import User
from portal.cases.models import Case
from portal.cases.warnings import colour_of_times


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """An applicant or assignee as the list shows them: name and masked
    mobile, never an identity number."""

    username: str
    real_name: str
    mobile: str | None

    # The user's own ways of showing themselves, which read only these fields.
    __str__ = User.__str__
    display_name = User.display_name
    masked_mobile = User.masked_mobile


@dataclass(frozen=True, slots=True)
class ListedCase:
    """One row of the list: its columns, the related ones by name."""

    pk: int
    tracking_number: str
    title: str
    status: str
    stage_due_at: datetime.datetime | None
    submitted_at: datetime.datetime
    warning_colour: str
    category: str
    department: str | None
    applicant: ListedPerson | None
    assignee: ListedPerson | None

    __str__ = Case.__str__  # the action checkbox's label


PERSON_COLUMNS = ("id", "username", "real_name", "mobile")

# What a ListedCase is read from, in its order: the case's columns (with the
# stage's thresholds for its colour instead of warning_colour), then the
# people as PERSON_COLUMNS.
LISTED_COLUMNS = (
    "pk",
    "tracking_number",
    "title",
    "status",
    "stage_due_at",
    "submitted_at",
    "stage_orange_at",
    "stage_yellow_at",
    "category__name",
    "department__name",
    *(f"applicant__{column}" for column in PERSON_COLUMNS),
    *(f"assignee__{column}" for column in PERSON_COLUMNS),
)
_PEOPLE = LISTED_COLUMNS.index("applicant__id")
_APPLICANT = slice(_PEOPLE, _PEOPLE + len(PERSON_COLUMNS))
_ASSIGNEE = slice(_PEOPLE + len(PERSON_COLUMNS), None)


def _person(values) -> ListedPerson | None:
    if values[0] is None:
        return None
    return ListedPerson(*values[1:])


def listed_cases(rows, now=None) -> list[ListedCase]:
    """Rows of LISTED_COLUMNS (``queryset.values_list(*LISTED_COLUMNS)``,
    or tuples of them) as ListedCase.

    Each row's warning colour is worked out from its stage's times
    (colour_of_times, which answers as the SQL expression warning_colour
    does): building that expression into the query cost ~0.7 ms of CPU a
    page. A list sorted by colour still orders by the expression."""
    now = now or timezone.now()
    listed = []
    for values in rows:
        pk, number, title, status, due, submitted, orange, yellow = values[:8]
        category, department = values[8:_PEOPLE]
        listed.append(
            ListedCase(
                pk,
                number,
                title,
                status,
                due,
                submitted,
                colour_of_times(due, orange, yellow, now),
                category,
                department,
                _person(values[_APPLICANT]),
                _person(values[_ASSIGNEE]),
            )
        )
    return listed
