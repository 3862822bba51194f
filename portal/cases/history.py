"""The audit history of a case, with field diffs, as the staff pages show it."""

from portal.cases.models import Case

HIDDEN_FIELDS = {"id", "version", "updated_at", "stage_yellow_at", "stage_orange_at"}


def diffed_fields() -> list:
    """Every tracked field but the bookkeeping ones. simple-history's own
    diff_against reads values through model_to_dict, which skips the
    workflow's editable=False fields, so the diff is made here."""
    return [f for f in Case._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _display(record, field):
    value = getattr(record, field.attname)
    if value is None or value == "":
        return ""
    if field.is_relation:
        return str(getattr(record, field.name))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def case_history_rows(case: Case) -> list[dict]:
    """Each history row of the case, newest first, with what changed."""
    records = list(
        case.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
    )
    fields = diffed_fields()
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for field in fields:
                if getattr(record, field.attname) != getattr(previous, field.attname):
                    changes.append(
                        {
                            "field": field.verbose_name,
                            "old": _display(previous, field),
                            "new": _display(record, field),
                        }
                    )
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return rows
