"""Grid test data, made through the services as a user would make it."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from grid import services
from grid.models import GridMember
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_department,
)
from portal.cases.models import CaseKind
from portal.cases.tests.factories import make_category

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [117.18, 34.26],
            [117.19, 34.26],
            [117.19, 34.27],
            [117.18, 34.27],
            [117.18, 34.26],
        ]
    ],
}
INSIDE = ("34.265000", "117.185000")
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (34.0, 16.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (117.0, 11.0, 3.0),
}


def make_tree():
    """A district with its command centre, two streets, three communities and
    three functional departments."""
    district = make_department("gulou", kind=Department.Kind.DISTRICT, name="鼓楼区")
    centre = make_department(
        "command-centre",
        kind=Department.Kind.COMMAND_CENTRE,
        parent=district,
        name="指挥中心",
    )
    street = make_department(
        "fengcai", kind=Department.Kind.STREET, parent=district, name="丰财街道"
    )
    other_street = make_department(
        "pailou", kind=Department.Kind.STREET, parent=district, name="牌楼街道"
    )
    community = make_department(
        "minzhu", kind=Department.Kind.COMMUNITY, parent=street, name="民主社区"
    )
    sibling = make_department(
        "xiangyang", kind=Department.Kind.COMMUNITY, parent=street, name="向阳社区"
    )
    far = make_department(
        "huangjin", kind=Department.Kind.COMMUNITY, parent=other_street, name="黄金社区"
    )
    housing = make_department("housing", parent=district, name="区住建局")
    urban = make_department("urban", parent=district, name="区城管局")
    market = make_department("market", parent=district, name="区市场监管局")
    return {
        "district": district,
        "centre": centre,
        "street": street,
        "other_street": other_street,
        "community": community,
        "sibling": sibling,
        "far": far,
        "housing": housing,
        "urban": urban,
        "market": market,
    }


def grid_category(department, code="grid-safety", name="安全隐患", form_fields=None):
    category = make_category(
        department,
        code=code,
        name=name,
        acceptance=(24, "hours"),
        handling=(3, "working_days"),
        handling_extension=None,
        form_fields=form_fields,
    )
    category.case_kind = CaseKind.GRID_EVENT
    category.summary = "楼道堆物、消防通道占用等安全隐患。"
    category.save()
    return category


def make_grid(community, code, *, actor=None, boundary=None, centre=None):
    grid, _created = services.grid_save(
        actor=actor,
        community=community,
        code=code,
        name=f"{community.name}{code}网格",
        boundary=boundary,
        centre=centre,
    )
    return grid


def make_member(grid, username, role=GridMember.Role.WORKER, **extra):
    user = UserFactory(username=username, **extra)
    services.grid_member_add(actor=None, grid=grid, user=user, role=role)
    return user


def make_resident(username="resident"):
    return ResidentFactory(username=username)


def jpeg_with_gps(name="photo.jpg", *, size=(32, 24)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "YiwangPhone"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="photo.png", *, gps=False) -> SimpleUploadedFile:
    image = Image.new("RGB", (8, 8), (10, 120, 10))
    out = io.BytesIO()
    options = {}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = GPS
        options["exif"] = exif.tobytes()
    image.save(out, format="PNG", **options)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def report(worker, grid, category, **kwargs):
    kwargs.setdefault("description", "3号楼楼道堆放杂物，堵塞消防通道。")
    kwargs.setdefault("latitude", INSIDE[0])
    kwargs.setdefault("longitude", INSIDE[1])
    event, _created = services.event_report(
        reporter=worker, grid=grid, category=category, **kwargs
    )
    return event
