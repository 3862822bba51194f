"""No index that every write pays for and no query needs: none that another
index already serves, none on the history rows' time.

An index whose columns (and operator classes) are the leading columns of
another index on the same table answers no lookup the longer one cannot, yet
every insert and most updates write it. Django adds one for every foreign
key; where a composite index starts with that key, the model says
``db_index=False`` (cases_case.applicant_id beside case_applicant,
cases_caseevent.case_id beside event_case_time: 81 MB of 1M cases' indexes).
"""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue"
    ),
]

# The tables that grow with the cases (a few rows to a few dozen a case),
# whose every index is written on a filing or a workflow step. The small ones
# (memberships, grants, the many-to-many tables Django makes) keep Django's
# defaults.
GROWING_TABLES = (
    "cases_case",
    "cases_caseevent",
    "cases_historicalcase",
    "cases_historicalcaseevent",
    "notifications_notification",
    "grid_gridevent",
)

# Kept on purpose, with the reason.
KEPT = {
    # A department's rows by bitmap (the visibility's OR of departments):
    # this small deduplicated index is read instead of the composite ones
    # (case_dept_sub, case_dept_status_sub), whose entries are 4x larger.
    "cases_case_department_id_c5b7309d",
}

COVERED = """
    SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
    FROM pg_index a
    JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
    JOIN pg_class t ON t.oid = a.indrelid
    JOIN pg_class ai ON ai.oid = a.indexrelid
    JOIN pg_class bi ON bi.oid = b.indexrelid
    WHERE t.relname = ANY (%s)
      AND NOT a.indisunique
      AND a.indpred IS NULL AND b.indpred IS NULL
      AND a.indexprs IS NULL AND b.indexprs IS NULL
      AND ai.relam = bi.relam
      AND (b.indkey::text = a.indkey::text OR b.indkey::text LIKE a.indkey::text || ' %%')
      AND (b.indclass::text = a.indclass::text
           OR b.indclass::text LIKE a.indclass::text || ' %%')
    ORDER BY 1, 2
"""


def test_no_index_is_the_start_of_another():
    with connection.cursor() as cursor:
        cursor.execute(COVERED, [list(GROWING_TABLES)])
        covered = [(a, b) for a, b in cursor.fetchall() if a not in KEPT]
    assert covered == []


def test_the_sparse_foreign_keys_index_only_their_filled_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'"
            " AND (indexdef LIKE '%%duplicate_of_id%%'"
            " OR indexdef LIKE '%%outcome_confirmed_by_id%%')"
        )
        indexes = dict(cursor.fetchall())
    assert sorted(indexes) == ["case_duplicate_of", "case_outcome_confirmed_by"]
    assert all("IS NOT NULL" in definition for definition in indexes.values())


def test_history_rows_have_no_time_index():
    """History is read by record (its id's index) in time order, never by
    time across records (settings.SIMPLE_HISTORY_DATE_INDEX)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename LIKE '%%historical%%' AND indexdef LIKE '%%history_date%%'"
        )
        assert cursor.fetchall() == []
