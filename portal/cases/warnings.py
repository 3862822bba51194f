"""The four-colour warning (四色预警) as a query expression.

Blue: on track. Yellow: past half of the stage's time. Orange: in its last
fifth. Red: overdue. Grey ("none"): no clock is running (closed, waiting for
the applicant's material). The thresholds are fixed on the case when a stage
starts (portal.cases.workflow), so the colour is a comparison of timestamps
with now: the same SQL on SQLite and PostgreSQL, usable in annotate, filter,
order_by and aggregates.
"""

from django.db import models
from django.db.models import Case as When_
from django.db.models import Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Colour(models.TextChoices):
    NONE = "none", _("No running time limit")
    BLUE = "blue", _("On track")
    YELLOW = "yellow", _("Past half the time")
    ORANGE = "orange", _("Last fifth of the time")
    RED = "red", _("Overdue")


YELLOW_SHARE = 0.5
ORANGE_SHARE = 0.8


def colour_q(colour: str, now=None) -> Q:
    """A filter for cases of one colour at `now`."""
    now = now or timezone.now()
    running = Q(stage_due_at__isnull=False)
    if colour == Colour.RED:
        return running & Q(stage_due_at__lt=now)
    if colour == Colour.ORANGE:
        return running & Q(stage_due_at__gte=now, stage_orange_at__lte=now)
    if colour == Colour.YELLOW:
        return running & Q(stage_orange_at__gt=now, stage_yellow_at__lte=now)
    if colour == Colour.BLUE:
        return running & Q(stage_yellow_at__gt=now)
    return Q(stage_due_at__isnull=True)


def warning_colour(now=None) -> When_:
    """An expression whose value is the colour name at `now`."""
    now = now or timezone.now()
    return When_(
        *[
            When(colour_q(colour, now), then=Value(colour.value))
            for colour in (Colour.RED, Colour.ORANGE, Colour.YELLOW, Colour.BLUE)
        ],
        default=Value(Colour.NONE.value),
        output_field=models.CharField(),
    )


def with_warning_colour(queryset, now=None):
    return queryset.annotate(warning_colour=warning_colour(now))


def colour_of(case, now) -> str:
    """One case's colour at `now`, computed from its thresholds in Python
    exactly as ``warning_colour`` computes it in SQL (a comparison with a
    missing time is false there, so here too). For a page that has the case
    rows already: building the SQL expression cost the resident's list about
    0.8 ms of its ~10 ms of CPU."""
    return colour_of_times(
        case.stage_due_at, case.stage_orange_at, case.stage_yellow_at, now
    )


def colour_of_times(due, orange, yellow, now) -> str:
    """colour_of, from the stage's due, orange and yellow times."""
    if due is None:
        return Colour.NONE.value
    if due < now:
        return Colour.RED.value
    if orange is not None and orange <= now:
        return Colour.ORANGE.value
    if orange is not None and orange > now and yellow is not None and yellow <= now:
        return Colour.YELLOW.value
    if yellow is not None and yellow > now:
        return Colour.BLUE.value
    return Colour.NONE.value


def thresholds(started_at, due_at):
    """The yellow and orange moments of a stage running from started_at to due_at."""
    span = due_at - started_at
    return started_at + span * YELLOW_SHARE, started_at + span * ORANGE_SHARE
