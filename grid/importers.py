"""Import grids, their members and boundaries from a spreadsheet (CSV or XLSX).

One row per grid. Columns (English codes or the Chinese headings districts
use; order does not matter):

    community          社区编码   code of the community department (required)
    code               网格编码   the grid's code (required; existing grids are updated)
    name               网格名称   (required)
    centre_latitude    中心纬度   optional, with centre_longitude
    centre_longitude   中心经度
    boundary           边界       GeoJSON Polygon/MultiPolygon, or "lng,lat; lng,lat"
    head               网格长     usernames or mobiles, separated by , ; 、 or spaces
    workers            网格员
    informants         信息员

Every row is checked first and every problem is reported with its row number
(the spreadsheet's, the heading being row 1), its column and a message; only a
file without problems is saved, all of it in one transaction. Members listed
are added (or their role changed); members not listed are left as they are.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grid import services
from grid.geo import parse_latitude, parse_longitude, validate_boundary
from grid.models import CENTRE_INCOMPLETE, GridMember
from portal.accounts.models import Department, User

MAX_ROWS = 5000

FILE_TYPE = _("Upload a .csv or .xlsx file.")
FILE_UNREADABLE = _("The file could not be read as %(kind)s.")
FILE_EMPTY = _("The file has no heading row.")
TOO_MANY_ROWS = _("At most %(max)d grids can be imported at once.")
COLUMN_MISSING = _("The column %(column)s is missing.")
VALUE_REQUIRED = _("This column is required.")
COMMUNITY_UNKNOWN = _("No department with the code %(code)s.")
NOT_A_COMMUNITY = _("%(code)s is not a community.")
CODE_INVALID = _("A grid code uses only letters, digits, hyphens and underscores.")
CODE_TWICE = _("The grid code %(code)s is also on row %(row)d.")
BOUNDARY_UNREADABLE = _(
    "Give the boundary as GeoJSON or as “longitude,latitude; longitude,latitude; …”."
)
USER_UNKNOWN = _("No user with the username or mobile %(who)s.")
USER_TWICE = _("%(who)s is named twice for this grid.")

COLUMNS = {
    "community": ("community", "社区编码", "社区"),
    "code": ("code", "网格编码", "编码"),
    "name": ("name", "网格名称", "名称"),
    "centre_latitude": ("centre_latitude", "中心纬度", "纬度"),
    "centre_longitude": ("centre_longitude", "中心经度", "经度"),
    "boundary": ("boundary", "边界"),
    "head": ("head", "网格长"),
    "workers": ("workers", "网格员"),
    "informants": ("informants", "信息员"),
}
REQUIRED = ("community", "code", "name")
ROLE_COLUMNS = {
    "head": GridMember.Role.HEAD,
    "workers": GridMember.Role.WORKER,
    "informants": GridMember.Role.INFORMANT,
}
CODE = re.compile(r"^[-a-zA-Z0-9_]+$")
SEPARATORS = re.compile(r"[,;，；、\s]+")


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class GridRow:
    number: int
    community: Department
    code: str
    name: str
    centre: tuple | None
    boundary: dict | None
    members: list[tuple[User, str]]


@dataclass
class ImportReport:
    rows: list[GridRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    members: int = 0
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading ----------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The rows of the file's first sheet as lists of stripped strings."""
    extension = PurePath(filename).suffix.lower()
    if extension == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(FILE_UNREADABLE, params={"kind": "CSV"})
        return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
    if extension == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
        except Exception as error:  # openpyxl raises many kinds for a bad file
            raise ValidationError(FILE_UNREADABLE, params={"kind": "XLSX"}) from error
        try:
            sheet = workbook.worksheets[0]
            return [
                [_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    raise ValidationError(FILE_TYPE)


# --- checking ---------------------------------------------------------------


def _columns(heading: list[str]) -> dict[str, int]:
    positions = {}
    for index, title in enumerate(heading):
        key = title.strip().lower()
        for column, aliases in COLUMNS.items():
            if key in aliases and column not in positions:
                positions[column] = index
    return positions


def _boundary(raw: str):
    if raw.startswith("{"):
        try:
            geometry = json.loads(raw)
        except ValueError as error:
            raise ValidationError(BOUNDARY_UNREADABLE) from error
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
    else:
        try:
            ring = [
                [float(part) for part in pair.split(",")]
                for pair in re.split(r"[;；]", raw)
                if pair.strip()
            ]
        except ValueError as error:
            raise ValidationError(BOUNDARY_UNREADABLE) from error
        if any(len(pos) != 2 for pos in ring):
            raise ValidationError(BOUNDARY_UNREADABLE)
        if ring and ring[0] != ring[-1]:
            ring.append(list(ring[0]))
        geometry = {"type": "Polygon", "coordinates": [ring]}
    validate_boundary(geometry)
    return geometry


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def check_rows(table: list[list[str]]) -> ImportReport:
    """Parse and check every row; nothing is saved."""
    report = ImportReport()
    if not table or not any(table[0]):
        report.problems.append(Problem(1, "", str(FILE_EMPTY)))
        return report
    positions = _columns(table[0])
    for column in REQUIRED:
        if column not in positions:
            report.problems.append(
                Problem(1, column, str(COLUMN_MISSING % {"column": column}))
            )
    if report.problems:
        return report
    body = [
        (number, row)
        for number, row in enumerate(table[1:], start=2)
        if any(cell for cell in row)
    ]
    if len(body) > MAX_ROWS:
        report.problems.append(Problem(1, "", str(TOO_MANY_ROWS % {"max": MAX_ROWS})))
        return report

    def value(row, column):
        index = positions.get(column)
        return row[index] if index is not None and index < len(row) else ""

    community_codes = {value(row, "community") for _n, row in body}
    departments = {
        d.code: d for d in Department.objects.filter(code__in=community_codes)
    }
    names = {
        who
        for _n, row in body
        for column in ROLE_COLUMNS
        for who in SEPARATORS.split(value(row, column))
        if who
    }
    users = {}
    for user in User.objects.filter(Q(username__in=names) | Q(mobile__in=names)):
        users[user.username] = user
        if user.mobile:
            users[user.mobile] = user
    seen_codes: dict[str, int] = {}

    for number, row in body:
        problems = []

        def problem(column, message, problems=problems, number=number):
            problems.append(Problem(number, column, str(message)))

        for column in REQUIRED:
            if not value(row, column):
                problem(column, VALUE_REQUIRED)
        community = departments.get(value(row, "community"))
        if value(row, "community") and community is None:
            problem("community", COMMUNITY_UNKNOWN % {"code": value(row, "community")})
        elif community is not None and community.kind != Department.Kind.COMMUNITY:
            problem("community", NOT_A_COMMUNITY % {"code": community.code})
        code = value(row, "code")
        if code and not CODE.match(code):
            problem("code", CODE_INVALID)
        elif code in seen_codes:
            problem("code", CODE_TWICE % {"code": code, "row": seen_codes[code]})
        elif code:
            seen_codes[code] = number
        centre = None
        raw_lat, raw_lng = value(row, "centre_latitude"), value(row, "centre_longitude")
        if bool(raw_lat) != bool(raw_lng):
            problem(
                "centre_latitude" if not raw_lat else "centre_longitude",
                CENTRE_INCOMPLETE,
            )
        elif raw_lat:
            latitude = longitude = None
            try:
                latitude = parse_latitude(raw_lat)
            except ValidationError as error:
                problem("centre_latitude", _messages(error)[0])
            try:
                longitude = parse_longitude(raw_lng)
            except ValidationError as error:
                problem("centre_longitude", _messages(error)[0])
            centre = (latitude, longitude)
        boundary = None
        if value(row, "boundary"):
            try:
                boundary = _boundary(value(row, "boundary"))
            except ValidationError as error:
                problem("boundary", _messages(error)[0])
        members, named = [], set()
        for column, role in ROLE_COLUMNS.items():
            for who in SEPARATORS.split(value(row, column)):
                if not who:
                    continue
                user = users.get(who)
                if user is None:
                    problem(column, USER_UNKNOWN % {"who": who})
                elif user.pk in named:
                    problem(column, USER_TWICE % {"who": who})
                else:
                    named.add(user.pk)
                    members.append((user, role))
        if problems:
            report.problems.extend(problems)
            continue
        report.rows.append(
            GridRow(
                number=number,
                community=community,
                code=code,
                name=value(row, "name"),
                centre=centre,
                boundary=boundary,
                members=members,
            )
        )
    return report


# --- importing ----------------------------------------------------------------


def grid_import(
    *, content: bytes, filename: str, actor, dry_run: bool = True
) -> ImportReport:
    """Check the file; unless dry_run and only if nothing is wrong, save every
    row in one transaction (all or nothing)."""
    try:
        table = read_table(content, filename)
    except ValidationError as error:
        return ImportReport(problems=[Problem(0, "", m) for m in _messages(error)])
    report = check_rows(table)
    if not report.ok or dry_run:
        return report
    current = None
    try:
        with transaction.atomic():
            for current in report.rows:
                grid, created = services.grid_save(
                    actor=actor,
                    community=current.community,
                    code=current.code,
                    name=current.name,
                    boundary=current.boundary,
                    centre=current.centre,
                )
                report.created += created
                report.updated += not created
                for user, role in current.members:
                    services.grid_member_add(
                        actor=actor, grid=grid, user=user, role=role
                    )
                    report.members += 1
    except ValidationError as error:
        report.created = report.updated = report.members = 0
        report.problems.extend(
            Problem(current.number if current else 0, "", m) for m in _messages(error)
        )
        return report
    report.saved = True
    return report
