"""Reads of whistles and the negative list. Whistles are read through the
staff view of cases (visible_cases less what a user sees only as applicant),
so a summoned department sees a whistle through its per-case grant and a
resident never sees one."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from grid.whistle.models import NegativeListEntry, Whistle, WhistleSummons
from portal.audit import services as audit
from portal.cases.selectors import staff_visible_cases, visible_cases


def _visible_to_staff(user):
    """Cases the user sees as staff: visible_cases, without the ones seen only
    as their applicant or submitter."""
    return visible_cases(user).filter(
        Exists(staff_visible_cases(user).filter(pk=OuterRef("pk")))
    )


def whistles_for_user(user) -> QuerySet[Whistle]:
    return Whistle.objects.filter(
        Exists(_visible_to_staff(user).filter(pk=OuterRef("case_id")))
    )


def _summonses():
    return Prefetch(
        "summonses",
        queryset=WhistleSummons.objects.select_related(
            "department", "reported_by", "task_done_by"
        ).order_by("department__code"),
    )


def whistle_list_for_user(user) -> QuerySet[Whistle]:
    """The whistle ledger (台账) rows the user may see, joined once."""
    return (
        whistles_for_user(user)
        .select_related("case", "street")
        .prefetch_related(
            Prefetch(
                "summonses",
                queryset=WhistleSummons.objects.select_related("department").order_by(
                    "department__code"
                ),
            )
        )
        .order_by("-blown_at", "-id")
    )


def whistle_get_for_user(*, user, pk) -> Whistle:
    """One whistle file, or 404 exactly as if it did not exist."""
    try:
        return (
            whistles_for_user(user)
            .select_related(
                "case",
                "street",
                "blown_by",
                "approved_by",
                "committee_acknowledged_by",
                "struck_off_by",
            )
            .prefetch_related(_summonses())
            .get(pk=pk)
        )
    except (Whistle.DoesNotExist, ValueError, TypeError) as error:
        audit.access_refused(
            user=user, object_type="whistle.whistle", object_id=pk
        )
        raise Http404 from error


def negative_list(*, year: int) -> QuerySet[NegativeListEntry]:
    """One year's negative list with every fact a row shows, joined once.
    Callers check policies.can_view_negative_list first: it spans all cases."""
    return (
        NegativeListEntry.objects.filter(year=year)
        .select_related(
            "department",
            "summons",
            "summons__reported_by",
            "summons__whistle",
            "summons__whistle__case",
            "summons__whistle__street",
        )
        .order_by("-due_at", "-id")
    )


def negative_list_years() -> list[int]:
    return list(
        NegativeListEntry.objects.order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
