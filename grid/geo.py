"""Grid boundaries as GeoJSON geometry (WGS 84, [longitude, latitude]) and the
few plane computations the grid needs: validating a boundary and finding the
grid a reported point lies in. No GIS library: grids are small, and a ray-cast
test over a few thousand polygons is quick enough for a point lookup."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BOUNDARY_NOT_POLYGON = _(
    "The boundary must be a GeoJSON Polygon or MultiPolygon geometry."
)
BOUNDARY_BAD_RING = _(
    "Each ring of the boundary needs at least four [longitude, latitude] "
    "positions, the last equal to the first."
)
BOUNDARY_OUT_OF_RANGE = _(
    "A boundary position is outside longitude -180..180 or latitude -90..90."
)
LATITUDE_INVALID = _("Latitude must be a number from -90 to 90.")
LONGITUDE_INVALID = _("Longitude must be a number from -180 to 180.")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_ring(ring) -> None:
    if (
        not isinstance(ring, list)
        or len(ring) < 4
        or not all(
            isinstance(pos, list) and len(pos) in (2, 3) and all(map(_number, pos))
            for pos in ring
        )
        or ring[0][:2] != ring[-1][:2]
    ):
        raise ValidationError(BOUNDARY_BAD_RING, code="ring")
    for lng, lat, *_rest in ring:
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError(BOUNDARY_OUT_OF_RANGE, code="range")


def validate_boundary(geometry) -> None:
    """Raise ValidationError unless geometry is a valid Polygon/MultiPolygon."""
    if geometry in (None, {}):
        return
    if not isinstance(geometry, dict):
        raise ValidationError(BOUNDARY_NOT_POLYGON, code="type")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise ValidationError(BOUNDARY_NOT_POLYGON, code="type")
    if not polygons:
        raise ValidationError(BOUNDARY_NOT_POLYGON, code="type")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(BOUNDARY_NOT_POLYGON, code="type")
        for ring in polygon:
            _check_ring(ring)


def _in_ring(lng: float, lat: float, ring) -> bool:
    inside = False
    for (x1, y1, *_a), (x2, y2, *_b) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x:
                inside = not inside
    return inside


def contains(geometry, latitude, longitude) -> bool:
    """Whether the point lies inside the Polygon/MultiPolygon (holes excluded)."""
    if not geometry:
        return False
    lat, lng = float(latitude), float(longitude)
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
    )
    for outer, *holes in polygons:
        if _in_ring(lng, lat, outer) and not any(
            _in_ring(lng, lat, hole) for hole in holes
        ):
            return True
    return False


def parse_coordinate(value, *, low: int, high: int, message) -> Decimal:
    """A latitude/longitude as a 6-place Decimal, or ValidationError(message)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(message, code="coordinate") from error
    if not number.is_finite() or not (low <= number <= high):
        raise ValidationError(message, code="coordinate")
    return number.quantize(Decimal("0.000001"))


def parse_latitude(value) -> Decimal:
    return parse_coordinate(value, low=-90, high=90, message=LATITUDE_INVALID)


def parse_longitude(value) -> Decimal:
    return parse_coordinate(value, low=-180, high=180, message=LONGITUDE_INVALID)
