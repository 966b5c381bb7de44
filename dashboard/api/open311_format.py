"""Open311 GeoReport v2 output formats: the same content as JSON or as XML with the spec's element names.

XML is the spec's default format. Lists are wrapped as the spec names them (``services/service``,
``service_requests/request``, ``service_definition/attributes/attribute/values/value``,
``discovery/endpoints/endpoint/formats/format``, ``errors/error``); ``None`` is an empty element and
booleans are ``true``/``false``.
"""
from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Response, jsonify, request

FORMATS = ("json", "xml")
# a list under this key holds elements of this name
ITEM_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# a top-level list of this kind is wrapped as (root, item)
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, key: str, value) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(el, k, v)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(key, "item")
        for v in value:
            _fill(el, item, v)
    else:
        el.text = _text(value)


def to_xml(content, kind: str | None = None, root: str | None = None) -> bytes:
    """``content`` (a list of ``kind`` items, or one dict under element ``root``) as an XML document."""
    if isinstance(content, list):
        root_name, item = ROOTS[kind]
        top = ET.Element(root_name)
        for v in content:
            _fill(top, item, v)
    else:
        top = ET.Element(root)
        for k, v in content.items():
            _fill(top, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")


def render(fmt: str, content, kind: str | None = None, root: str | None = None, status: int = 200):
    """A Flask response: JSON as before, or the XML form of the same content."""
    if fmt == "xml":
        return Response(to_xml(content, kind, root), content_type="text/xml; charset=utf-8"), status
    return jsonify(content), status


def requested_format() -> str:
    """The format a request asked for by its path suffix (``xml`` or ``json``, the default for errors)."""
    return "xml" if request.path.endswith(".xml") else "json"
