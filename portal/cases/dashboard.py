"""The counts a department leader and a clerk see on the admin index.

A leader's counts are one aggregate query over ``leadable_cases(user)``; a
clerk's own count is one more. "Overdue" and "due this week" only count cases
whose clock is the department's (awaiting acceptance or being handled): a
reply awaiting the applicant's confirmation runs on the applicant's clock.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from portal.accounts.models import StaffMembership
from portal.cases.deadlines import CHINA_TZ
from portal.cases.models import OPEN_STATUSES, CaseStatus
from portal.cases.selectors import handleable_cases, leadable_cases
from portal.cases.warnings import Colour, colour_q

# The statuses in which the department's own time limit runs.
DEPARTMENT_CLOCK = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED)


@dataclass(frozen=True)
class LeaderCounts:
    open: int
    overdue: int
    due_this_week: int


def end_of_week(now: datetime.datetime) -> datetime.datetime:
    """The end of the current week (Monday to Sunday) in Beijing time, i.e.
    the next Monday at midnight."""
    today = now.astimezone(CHINA_TZ).date()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return datetime.datetime.combine(monday, datetime.time(), tzinfo=CHINA_TZ)


def leader_counts(user, now: datetime.datetime | None = None) -> LeaderCounts | None:
    """Open, overdue and due-this-week cases of the departments the user leads
    (and those below them), or None for someone who leads none."""
    if (
        not user.is_superuser
        and not user.memberships.filter(role=StaffMembership.Role.LEADER).exists()
    ):
        return None
    now = now or timezone.now()
    running = Q(status__in=DEPARTMENT_CLOCK)
    counts = leadable_cases(user).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=running & colour_q(Colour.RED, now)),
        due_this_week=Count(
            "pk",
            filter=running
            & Q(stage_due_at__gte=now, stage_due_at__lt=end_of_week(now)),
        ),
    )
    return LeaderCounts(**counts)


def my_open_count(user) -> int:
    """Open cases assigned to the user that the user may still handle."""
    return (
        handleable_cases(user).filter(assignee=user, status__in=OPEN_STATUSES).count()
    )
