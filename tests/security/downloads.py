"""Read any response body as the person who receives it would: a page or an
API answer as text, a CSV or an XLSX workbook cell by cell, a ZIP member by
member (an XLSX is a ZIP too, but is read through openpyxl so that shared
strings and formulas count as the cells a spreadsheet shows).

The security tests search this text for full identity numbers and these
cells for formulas, so every current and future download is covered by the
same check as the pages (issue 7; STACK.md: cells starting with = + - @ are
neutralised in every export)."""

import csv
import io
import zipfile

XLSX_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
)
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
CSV_TYPES = ("text/csv", "application/csv", "text/comma-separated-values")
NOT_SEARCHED = ("application/pdf", "image/")
# What a spreadsheet program may run as a formula (a tab or carriage return
# first is skipped by some programs).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def content(response) -> bytes:
    if getattr(response, "_body_bytes", None) is None:
        if getattr(response, "streaming", False):
            response._body_bytes = b"".join(response.streaming_content)
        else:
            response._body_bytes = response.content
    return response._body_bytes


def _media_type(response) -> tuple[str, str]:
    """(media type, charset) of the response's Content-Type."""
    header = response.get("Content-Type", "") or ""
    media_type, _sep, params = header.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        name, _eq, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    return media_type.strip().lower(), charset


def _decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode(errors="replace")


def _xlsx_cells(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        return [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
    finally:
        workbook.close()


def _csv_cells(data: bytes, charset: str) -> list[str]:
    encoding = "utf-8-sig" if charset.lower().replace("_", "-") == "utf-8" else charset
    text = _decode(data, encoding)
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _file_text(name: str, data: bytes) -> str:
    """The text of one file named name (a ZIP member)."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return "\n".join(_xlsx_cells(data))
    if lower.endswith(".csv"):
        return "\n".join(_csv_cells(data, "utf-8"))
    if _is_zip(data):
        return _zip_text(data)
    return data.decode(errors="replace")


def _zip_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            _file_text(info.filename, archive.read(info))
            for info in archive.infolist()
            if not info.is_dir()
        )


def spreadsheet_cells(response) -> list[str] | None:
    """Every cell of a CSV or XLSX response, or None for any other body."""
    media_type, charset = _media_type(response)
    if media_type in XLSX_TYPES:
        return _xlsx_cells(content(response))
    if media_type in CSV_TYPES:
        return _csv_cells(content(response), charset)
    return None


def text(response) -> str:
    """All the text a response carries, unpacked by its content type;
    empty for PDFs and images, which are not searched."""
    if getattr(response, "_download_text", None) is not None:
        return response._download_text
    media_type, charset = _media_type(response)
    data = content(response)
    if media_type.startswith(NOT_SEARCHED):
        found = ""
    elif (cells := spreadsheet_cells(response)) is not None:
        found = "\n".join(cells)
    elif media_type in ZIP_TYPES or _is_zip(data):
        found = _zip_text(data)
    else:
        found = _decode(data, charset)
    response._download_text = found
    return found


def formula_cells(response) -> list[str]:
    """The cells of a CSV or XLSX response that a spreadsheet would read as
    a formula: none may be left (a neutralised cell starts with ')."""
    return [
        cell
        for cell in spreadsheet_cells(response) or []
        if cell.startswith(FORMULA_STARTS)
    ]
