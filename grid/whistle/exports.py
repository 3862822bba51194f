"""The negative list as CSV and XLSX, for the annual assessment.

Every text cell that a spreadsheet would read as a formula (it starts with
= + - @, or a tab or carriage return that some programs skip) is neutralised
with a leading apostrophe, whatever its source; an identity number typed
into a free text (a title, a task) is masked, since a file leaves the portal
and its access control (issue 7)."""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.masking import mask_resident_ids_in_text
from portal.cases.deadlines import CHINA_TZ

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = [
    _("Department"),
    _("Reason"),
    _("Missed deadline"),
    _("Street or township"),
    _("Tracking number"),
    _("Matter"),
    _("Whistle blown at"),
    _("Report due"),
    _("Reported at"),
    _("Task claimed"),
    _("Task due"),
    _("Task done at"),
    _("Recorded at"),
]
NOT_YET = _("none")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return neutralise(mask_resident_ids_in_text(text))


def _when(value) -> str:
    if value is None:
        return str(NOT_YET)
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def rows(entries) -> list[list[str]]:
    out = []
    for entry in entries:
        summons = entry.summons
        whistle = summons.whistle
        out.append(
            [
                _cell(value)
                for value in (
                    entry.department,
                    entry.get_reason_display(),
                    _when(entry.due_at),
                    whistle.street,
                    whistle.case.tracking_number,
                    whistle.case.title,
                    _when(whistle.blown_at),
                    _when(summons.due_at),
                    _when(summons.reported_at),
                    summons.task,
                    _when(summons.task_due_at) if summons.task_due_at else "",
                    _when(summons.task_done_at) if summons.task_due_at else "",
                    _when(entry.recorded_at),
                )
            ]
        )
    return out


def _filename(year: int, extension: str) -> str:
    return f"negative-list-{year}.{extension}"


def csv_response(entries, *, year: int) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(year, "csv")}"'
    # A byte-order mark, so that Excel opens the Chinese text as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([neutralise(header) for header in HEADERS])
    writer.writerows(rows(entries))
    return response


def xlsx_response(entries, *, year: int) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(year))
    sheet.append([neutralise(header) for header in HEADERS])
    for row in rows(entries):
        # Strings only: openpyxl would read a leading "=" as a formula.
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(year, "xlsx")}"'
    )
    return response


def current_year() -> int:
    return timezone.now().astimezone(CHINA_TZ).year
