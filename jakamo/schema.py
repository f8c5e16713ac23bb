"""Validation of outbound UBL against the OASIS UBL 2.1 schemas, with Jakamo's extensions allowed
in exactly one place (``JAKAMO_EXTENSIONS``). The schemas themselves are not shipped with the
portal; pass the folder that holds ``maindoc/`` and ``common/``."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from lxml import etree

from . import ubl
from .xmlsafe import local, parse_xml

# Elements Jakamo needs that UBL 2.1 does not allow where Jakamo puts them (shared/ubl-2.1/NOTES.md).
# Each entry: (document kinds, XPath relative to the root). They are removed from a copy before
# validating, so that nothing else can slip through.
JAKAMO_EXTENSIONS: list[tuple[tuple[str, ...], str]] = [
    # AEP project number and BWN buyer work number on a delivery batch.
    (ubl.KINDS, "cac:OrderLine/cac:LineItem/cac:Delivery/cac:DocumentReference"),
    # Delivery batch status (DocumentTypeCode JDS) in an OrderResponse.
    ((ubl.ORDER_RESPONSE,), "cac:OrderLine/cac:LineItem/cac:Delivery/cac:AdditionalDocumentReference"),
    # Project reference at the top of an OrderChange (allowed in Order, not in OrderChange 2.1).
    ((ubl.ORDER_CHANGE,), "cac:ProjectReference"),
]

_NS = {"cac": ubl.NS_CAC, "cbc": ubl.NS_CBC}


@functools.cache
def _schema(xsd_dir: str, kind: str) -> etree.XMLSchema:
    path = Path(xsd_dir) / "maindoc" / f"UBL-{kind}-2.1.xsd"
    # Schema files are trusted local files; imports resolve relative to them.
    return etree.XMLSchema(etree.parse(str(path)))


def validate(xml: bytes, xsd_dir: str | Path) -> list[str]:
    """Return the schema errors of a Jakamo UBL document, ignoring the allowed extensions."""
    root = parse_xml(xml)
    kind = local(root.tag)
    if kind not in ubl.KINDS:
        return [f"not a UBL order document: <{kind}>"]
    stripped = copy.deepcopy(root)
    for kinds, xpath in JAKAMO_EXTENSIONS:
        if kind in kinds:
            for node in stripped.xpath(xpath, namespaces=_NS):
                node.getparent().remove(node)
    schema = _schema(str(xsd_dir), kind)
    if schema.validate(stripped):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
