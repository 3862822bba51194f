"""Importing grids from CSV and XLSX: the dry run lists every row's problem
before anything is saved; the real import is all or nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from grid import importers
from grid.geo import LATITUDE_INVALID
from grid.importers import Problem, grid_import
from grid.models import CENTRE_INCOMPLETE, Grid, GridMember
from portal.accounts.tests.factories import UserFactory

HEADING = "community,code,name,centre_latitude,centre_longitude,boundary,head,workers,informants"  # noqa: E501


@pytest.fixture
def staff(tree):
    return {
        "head": UserFactory(username="wang_head", mobile="13900000001"),
        "w1": UserFactory(username="li_worker"),
        "w2": UserFactory(username="zhou_worker", mobile="13900000002"),
        "info": UserFactory(username="sun_info"),
    }


def csv_bytes(*rows, heading=HEADING):
    return ("\n".join([heading, *rows]) + "\n").encode("utf-8-sig")


GOOD = [
    'minzhu,minzhu-01,民主一网格,34.265,117.185,"117.18,34.26; 117.19,34.26; 117.19,34.27; 117.18,34.27",wang_head,li_worker、13900000002,sun_info',  # noqa: E501
    "xiangyang,xiangyang-01,向阳一网格,,,,,li_worker,",
]


def test_a_clean_file_imports_everything(tree, staff):
    content = csv_bytes(*GOOD)
    dry = grid_import(content=content, filename="grids.csv", actor=None, dry_run=True)
    assert dry.ok and len(dry.rows) == 2 and not dry.saved
    assert not Grid.objects.exists()
    report = grid_import(
        content=content, filename="grids.csv", actor=None, dry_run=False
    )
    assert report.saved and (report.created, report.updated, report.members) == (
        2,
        0,
        5,
    )
    grid = Grid.objects.get(code="minzhu-01")
    assert grid.community == tree["community"]
    assert grid.boundary["coordinates"][0][0] == grid.boundary["coordinates"][0][-1]
    assert str(grid.centre_latitude) == "34.265000"
    roles = dict(
        GridMember.objects.filter(grid=grid).values_list("user__username", "role")
    )
    assert roles == {
        "wang_head": "head",
        "li_worker": "worker",
        "zhou_worker": "worker",
        "sun_info": "informant",
    }
    # importing again updates, it does not duplicate
    again = grid_import(
        content=content, filename="grids.csv", actor=None, dry_run=False
    )
    assert (again.created, again.updated) == (0, 2)
    assert Grid.objects.count() == 2


def test_dry_run_lists_every_problem_with_row_and_column(tree, staff):
    content = csv_bytes(
        GOOD[0],
        "nowhere,bad code!,,95,,,ghost,,",
        "fengcai,minzhu-01,重复,,117.1,{not json,li_worker,li_worker,",
    )
    report = grid_import(
        content=content, filename="grids.csv", actor=None, dry_run=True
    )
    assert report.problems == [
        Problem(3, "name", str(importers.VALUE_REQUIRED)),
        Problem(3, "community", str(importers.COMMUNITY_UNKNOWN % {"code": "nowhere"})),
        Problem(3, "code", str(importers.CODE_INVALID)),
        Problem(3, "centre_longitude", str(CENTRE_INCOMPLETE)),
        Problem(3, "head", str(importers.USER_UNKNOWN % {"who": "ghost"})),
        Problem(4, "community", str(importers.NOT_A_COMMUNITY % {"code": "fengcai"})),
        Problem(4, "code", str(importers.CODE_TWICE % {"code": "minzhu-01", "row": 2})),
        Problem(4, "centre_latitude", str(CENTRE_INCOMPLETE)),
        Problem(4, "boundary", str(importers.BOUNDARY_UNREADABLE)),
        Problem(4, "workers", str(importers.USER_TWICE % {"who": "li_worker"})),
    ]
    # a file with problems is never saved, even without dry_run
    report = grid_import(
        content=content, filename="grids.csv", actor=None, dry_run=False
    )
    assert not report.saved
    assert not Grid.objects.exists()


def test_coordinates_and_geojson_boundaries_are_checked(tree, staff):
    polygon = json.dumps(
        {
            "type": "Polygon",
            "coordinates": [[[117.1, 34.2], [117.2, 34.2], [117.1, 34.2]]],
        }
    )
    feature = json.dumps(
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[117.1, 34.2], [117.2, 34.2], [117.2, 34.3], [117.1, 34.2]]
                ],
            },
        }
    )
    rows = [
        [
            "community",
            "code",
            "name",
            "centre_latitude",
            "centre_longitude",
            "boundary",
        ],
        ["minzhu", "g1", "一", "abc", "117.1", ""],
        ["minzhu", "g2", "二", "", "", polygon],
        ["minzhu", "g3", "三", "", "", feature],
    ]
    report = importers.check_rows(rows)
    from grid.geo import BOUNDARY_BAD_RING

    assert report.problems == [
        Problem(2, "centre_latitude", str(LATITUDE_INVALID)),
        Problem(3, "boundary", str(BOUNDARY_BAD_RING)),
    ]
    assert [row.code for row in report.rows] == ["g3"]


def test_missing_columns_and_unreadable_files(tree):
    report = grid_import(
        content=csv_bytes(heading="code,name"), filename="g.csv", actor=None
    )
    assert report.problems == [
        Problem(1, "community", str(importers.COLUMN_MISSING % {"column": "community"}))
    ]
    report = grid_import(content=b"PK\x03\x04junk", filename="g.xlsx", actor=None)
    assert report.problems == [
        Problem(0, "", str(importers.FILE_UNREADABLE % {"kind": "XLSX"}))
    ]
    report = grid_import(content=b"x", filename="g.txt", actor=None)
    assert report.problems == [Problem(0, "", str(importers.FILE_TYPE))]


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_chinese_headings(tree, staff):
    content = xlsx_bytes(
        [
            [
                "社区编码",
                "网格编码",
                "网格名称",
                "中心纬度",
                "中心经度",
                "网格长",
                "网格员",
                "信息员",
            ],
            [
                "minzhu",
                "minzhu-09",
                "民主九网格",
                34.2651,
                117.1852,
                "13900000001",
                "li_worker",
                None,
            ],
            [None, None, None, None, None, None, None, None],
            [
                "huangjin",
                "huangjin-01",
                "黄金一网格",
                None,
                None,
                None,
                "zhou_worker sun_info",
                None,
            ],
        ]
    )
    report = grid_import(
        content=content, filename="网格.xlsx", actor=None, dry_run=False
    )
    assert report.saved, report.problems
    assert (
        Grid.objects.get(code="minzhu-09").members.get(role="head").user.username
        == "wang_head"
    )
    assert Grid.objects.get(code="huangjin-01").members.count() == 2


def test_a_failure_while_saving_undoes_every_row(tree, staff, monkeypatch):
    from django.core.exceptions import ValidationError

    from grid import services

    real = services.grid_member_add
    calls = []

    def fail_on_the_second_grid(**kwargs):
        calls.append(kwargs)
        if kwargs["grid"].code == "xiangyang-01":
            raise ValidationError("boom")
        return real(**kwargs)

    monkeypatch.setattr(services, "grid_member_add", fail_on_the_second_grid)
    report = grid_import(
        content=csv_bytes(*GOOD), filename="g.csv", actor=None, dry_run=False
    )
    assert not report.saved
    assert report.problems == [Problem(3, "", "boom")]
    assert not Grid.objects.exists() and not GridMember.objects.exists()


def test_the_command(tree, staff, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("nowhere,x,y,,,,,,"))
    with pytest.raises(CommandError):
        call_command("import_grids", str(bad), "--dry-run")
    assert "row 2, community:" in capsys.readouterr().out
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(*GOOD))
    call_command("import_grids", str(good), "--dry-run")
    assert "2 grid(s) without problems" in capsys.readouterr().out
    assert not Grid.objects.exists()
    call_command("import_grids", str(good))
    assert "2 created" in capsys.readouterr().out
    assert Grid.objects.count() == 2
