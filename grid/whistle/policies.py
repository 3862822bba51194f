"""Who may do what with a whistle. Views, admin, templates and services ask here."""

import functools

from django.db import connections, router

from grid.whistle.models import Whistle, WhistleSummons
from portal.accounts.models import Department, StaffMembership
from portal.cases import policies as case_policies
from portal.cases.models import Case
from portal.cases.selectors import sees_all_cases
from portal.prepared import prepared_cursor


def _active_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def streets_of(user):
    """The streets or townships the user works for."""
    if not _active_staff(user):
        return Department.objects.none()
    return Department.objects.filter(
        kind=Department.Kind.STREET, is_active=True, memberships__user=user
    )


def is_member(user, department: Department) -> bool:
    return (
        _active_staff(user)
        and StaffMembership.objects.filter(user=user, department=department).exists()
    )


def is_party_secretary(user, street: Department) -> bool:
    """The street's leader, whose approval a whistle needs."""
    return (
        _active_staff(user)
        and StaffMembership.objects.filter(
            user=user, department=street, role=StaffMembership.Role.LEADER
        ).exists()
    )


def can_blow(user, case: Case, street: Department) -> bool:
    """Staff of a street who may handle the matter (its own or its
    communities')."""
    return (
        street.kind == Department.Kind.STREET
        and is_member(user, street)
        and case_policies.can_handle(user, case)
    )


def blowing_streets(user, case: Case) -> list[Department]:
    """The streets in whose name the user may blow the whistle on the case:
    can_blow for each of streets_of(user), in two queries at most. The
    streets are the user's own (so is_member holds for each) and can_handle
    does not depend on the street, so it is asked once, not per street."""
    streets = list(streets_of(user))
    if not streets or not case_policies.can_handle(user, case):
        return []
    return streets


def may_blow_on(
    user, case: Case, *, whistle_absent: bool = False, on_a_street=None
) -> bool:
    """Whether to offer the user a "blow the whistle" button on the case: it
    is open, has no whistle yet, and the user may blow for some street. The
    service checks all of it again when the whistle is blown. A caller that
    has just looked for the case's whistle and found none says so
    (whistle_absent), and one that has read whether the user works for a
    street says that (on_a_street, whistle_and_street): neither is asked
    again."""
    if not case.is_open:
        return False
    if not whistle_absent and Whistle.objects.filter(case_id=case.pk).exists():
        return False
    if on_a_street is None:
        return bool(blowing_streets(user, case))
    return on_a_street and case_policies.can_handle(user, case)


def whistle_and_street(user, case: Case) -> tuple[int | None, bool]:
    """The id of the case's whistle (None if it has none) and whether the
    user works for a street (streets_of: an active street they are a member
    of): what the case page's whistle button asks first, in one query (two
    cost ~1 ms of the page's CPU). The query is a constant string with the
    ids as parameters (_whistle_and_street_sql): built through the ORM (a
    subquery and an Exists) it was ~5 % of the case page's Python calls.
    A test compares it with the querysets it stands for."""
    connection = connections[router.db_for_read(Whistle)]
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            _whistle_and_street_sql(),
            [case.pk, user.pk, Department.Kind.STREET.value, True],
        )
        whistle_id, on_a_street = cursor.fetchone()
    return whistle_id, bool(on_a_street) and _active_staff(user)


@functools.cache
def _whistle_and_street_sql() -> str:
    """whistle_and_street's query: the case's whistle (a case has one at
    most), and whether a membership of the user (first parameter after the
    case) is in an active department of the street kind. Names from the
    models."""
    quote = connections[router.db_for_read(Whistle)].ops.quote_name
    whistle, department, membership = (
        Whistle._meta,
        Department._meta,
        StaffMembership._meta,
    )

    def column(meta, name):
        return quote(meta.get_field(name).column)

    return (
        f"SELECT (SELECT w.{quote(whistle.pk.column)} "
        f"FROM {quote(whistle.db_table)} w WHERE w.{column(whistle, 'case')} = %s), "
        f"EXISTS (SELECT 1 FROM {quote(membership.db_table)} m "
        f"JOIN {quote(department.db_table)} d "
        f"ON d.{quote(department.pk.column)} = m.{column(membership, 'department')} "
        f"WHERE m.{column(membership, 'user')} = %s "
        f"AND d.{column(department, 'kind')} = %s "
        f"AND d.{column(department, 'is_active')} = %s)"
    )


def can_view_ledger(user) -> bool:
    """The whistle ledger pages: active staff (each sees the whistles of the
    matters they see as staff)."""
    return _active_staff(user)


def can_report(user, summons: WhistleSummons) -> bool:
    return is_member(user, summons.department)


def can_strike_off(user, whistle: Whistle) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or is_member(user, whistle.street)


def is_committee(user) -> bool:
    """The committee (and superusers): read-only overseers of every case."""
    return sees_all_cases(user)


def can_acknowledge_filing(user) -> bool:
    return is_committee(user) and not user.is_superuser


def can_view_negative_list(user) -> bool:
    return is_committee(user)
