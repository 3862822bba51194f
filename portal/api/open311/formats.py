"""JSON and XML bodies in the GeoReport v2 shapes, and the spec's errors."""

import json
import re
from xml.etree import ElementTree

from django.http import HttpResponse

# The tag of each element of a list, by the list's tag (GeoReport v2 XML).
LIST_ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """Mask mobile numbers and identity numbers a worker may have typed into
    a description or reply before it is published."""
    text = RESIDENT_ID.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text or "")
    return MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent, tag: str, value) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        child_tag = LIST_ITEMS.get(tag, "item")
        for item in value:
            _append(element, child_tag, item)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    element = ElementTree.Element(root)
    if isinstance(value, list):
        for item in value:
            _append(element, LIST_ITEMS[root], item)
    else:
        for key, item in value.items():
            _append(element, key, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def render(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """value as JSON, or as XML under the root element."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, *descriptions) -> HttpResponse:
    """The spec's error body: [{"code": 400, "description": "..."}]."""
    return render(
        fmt,
        "errors",
        [{"code": status, "description": str(text)} for text in descriptions],
        status=status,
    )
