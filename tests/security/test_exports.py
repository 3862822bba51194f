"""Every export and download of the project, opened as the person who
receives it: no full identity number in any cell (issue 7: masked by default
in every export; no export reveals, for anyone), no cell a spreadsheet would
run as a formula (STACK.md), and one audit record per export (issue 7).

The exports (grep import_export, openpyxl, text/csv, FileResponse):
- the whistle negative list, CSV and XLSX (grid/whistle/exports.py);
- the audit log's CSV export, an admin action (portal/audit/admin.py);
- case attachments and grid event photos: the uploader's own files, served
  as they were uploaded (audited in portal/audit/tests/test_events.py).
The grid importer reads files and writes none. The generated access test
reads every download it opens through the same helper (downloads.py)."""

import datetime
import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from grid.tests.factories import make_tree
from grid.whistle import services as whistle_services
from grid.whistle.models import NegativeListEntry
from grid.whistle.tests.factories import blow
from portal.accounts.masking import mask_resident_id
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_committee_member,
)
from portal.audit import roles
from portal.audit import services as audit_services
from portal.audit.models import AuditRecord
from portal.cases import workflow
from portal.cases.tests.factories import file_case, make_category
from tests.security import downloads

pytestmark = pytest.mark.django_db

FULL_ID_PERMISSION = "accounts.view_full_resident_id"


def _exports() -> int:
    return AuditRecord.objects.filter(action=AuditRecord.Action.EXPORT).count()


def _full_numbers_in(text: str, numbers) -> list[str]:
    # The first 17 characters: the check character alone proves nothing.
    return [number for number in numbers if number[:17] in text]


# --- the helper finds a number in every kind of file ---------------------------

NUMBER = "11010519491231002X"


class _Response(dict):
    """What downloads reads of a response: its headers and its body."""

    def __init__(self, content_type, body):
        super().__init__({"Content-Type": content_type})
        self.content = body


def _xlsx(*values) -> bytes:
    workbook = Workbook()
    workbook.active.append(["heading"])
    workbook.create_sheet("second").append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip(**members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("_", "."), data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/csv; charset=utf-8", ("\ufeffa,b\r\nx," + NUMBER).encode()),
        ("text/csv; charset=gbk", ("姓名," + NUMBER).encode("gbk")),
        (downloads.XLSX_TYPES[0], _xlsx("x", NUMBER)),
        ("application/octet-stream", _xlsx(NUMBER)),  # found by its signature
        ("application/zip", _zip(list_xlsx=_xlsx(NUMBER))),
        ("application/zip", _zip(a_csv=NUMBER, b_txt="-")),
        ("application/zip", _zip(inner_zip=_zip(c_txt=NUMBER))),
        ("application/json", ('{"id": "%s"}' % NUMBER).encode()),
    ],
)
def test_the_helper_reads_the_number_out_of_every_kind_of_body(content_type, body):
    assert NUMBER in downloads.text(_Response(content_type, body))


def test_the_helper_finds_formula_cells_in_csv_and_xlsx():
    cells = ["=1+1", "+86", "-2", "@SUM(A1)", "\t=1", "'=1", "普通"]
    row = ",".join(cells).encode()
    assert downloads.formula_cells(_Response("text/csv", row)) == cells[:5]
    sheet = _Response(downloads.XLSX_TYPES[0], _xlsx(*cells))
    assert downloads.formula_cells(sheet) == cells[:5]
    assert downloads.formula_cells(_Response("text/html", row)) == []


# --- the data: identity numbers where they could leak ---------------------------


@pytest.fixture
def data():
    """A resident's matter whose title and whistle task carry identity
    numbers (people type them into free text) and start like formulas, on
    this year's negative list."""
    tree = make_tree()
    owner = ResidentFactory(username="exp_owner")
    neighbour = ResidentFactory(username="exp_neighbour")
    street_clerk = make_clerk(tree["street"], "exp_street_clerk")
    category = make_category(tree["community"], code="exp-community")
    case = workflow.accept_case(
        case=file_case(category, owner, title=f"=HYPERLINK(1) {owner.resident_id}"),
        actor=street_clerk,
    )
    whistle = blow(
        case,
        actor=street_clerk,
        secretary=make_clerk(tree["street"], "exp_secretary", leader=True),
        departments=[tree["urban"]],
    )
    summons = whistle.summonses.get()
    whistle_services.whistle_report(
        summons=summons,
        actor=make_clerk(tree["urban"], "exp_urban_clerk"),
        task=f"@核查 {neighbour.resident_id}",
        task_due_at=timezone.now() + datetime.timedelta(days=3),
    )
    NegativeListEntry.objects.create(
        summons=summons,
        department=tree["urban"],
        reason=NegativeListEntry.Reason.TASK_OVERDUE,
        due_at=timezone.now(),
        year=timezone.localtime().year,
        recorded_at=timezone.now(),
    )
    return {"owner": owner, "neighbour": neighbour, "case": case}


def _numbers(data):
    return [data["owner"].resident_id, data["neighbour"].resident_id]


def _superuser():
    return UserFactory(username="exp_root", is_staff=True, is_superuser=True)


# --- the negative list, CSV and XLSX ---------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["committee", "superuser"])
def test_negative_list_export_masks_numbers_and_neutralises_formulas(
    client, data, fmt, who
):
    # The committee lacks the reveal permission; the superuser holds it, and
    # the export still shows no full number (no export reveals: docs/security.md).
    if who == "committee":
        user = make_committee_member("exp_committee")
    else:
        user = _superuser()
    assert user.has_perm(FULL_ID_PERMISSION) == (who == "superuser")
    client.force_login(user)
    before = _exports()
    year = timezone.localtime().year
    response = client.get(
        reverse("whistle:negative_list_export", args=[fmt]) + f"?year={year}"
    )
    assert response.status_code == 200
    cells = downloads.spreadsheet_cells(response)
    assert data["case"].tracking_number in cells  # the row is there
    text = downloads.text(response)
    assert _full_numbers_in(text, _numbers(data)) == []
    for number in _numbers(data):
        assert mask_resident_id(number) in text
    assert downloads.formula_cells(response) == []
    assert f"'=HYPERLINK(1) {mask_resident_id(data['owner'].resident_id)}" in cells
    assert _exports() == before + 1


# --- the audit log's CSV export ---------------------------------------------------


def _auditor():
    user = UserFactory(username="exp_auditor", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.AUDITORS))
    return user


@pytest.mark.parametrize("who", ["auditor", "superuser"])
def test_audit_log_export_masks_numbers_and_neutralises_formulas(client, data, who):
    owner, number = data["owner"], data["owner"].resident_id
    # Careless callers: the number in the object text, a detail and a name.
    audit_services.record(action=AuditRecord.Action.REVEAL, target=owner)
    audit_services.record(
        action=AuditRecord.Action.EXPORT,
        actor_username=f"+{number}",
        object_repr=f"={number}",
        detail={"note": f"@{number}", "resident_id": number},
    )
    # An identity number typed as a login name.
    audit_services.login_failed(attempted=number, request=None)
    user = _auditor() if who == "auditor" else _superuser()
    assert user.has_perm(FULL_ID_PERMISSION) == (who == "superuser")
    client.force_login(user)
    ids = list(AuditRecord.objects.values_list("pk", flat=True))
    before = _exports()
    response = client.post(
        reverse("admin:audit_auditrecord_changelist"),
        {"action": "export_csv", "_selected_action": ids, "index": 0},
    )
    assert response["Content-Type"].startswith("text/csv")
    text = downloads.text(response)
    assert _full_numbers_in(text, _numbers(data)) == []
    assert f"'={mask_resident_id(number)}" in downloads.spreadsheet_cells(response)
    assert downloads.formula_cells(response) == []
    assert _exports() == before + 1
