"""One hardened XML parser for everything that comes from outside.

lxml >= 6.1 no longer resolves external entities by default, but we do not rely on defaults:
no DTD loading, no entity resolution, no network, no huge trees, a size limit, and any DOCTYPE is
refused outright (entity bombs and XXE both need one)."""

from __future__ import annotations

import re

from lxml import etree

from .errors import DocumentError, Problem, UnsafeXMLError

MAX_XML_BYTES = 10 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    # Indentation between elements is never read (values are stripped anyway); dropping it at
    # parse time makes the parse a quarter faster and the tree smaller.
    remove_blank_text=True,
)
# Any DOCTYPE or ENTITY declaration in the prolog (ASCII-compatible encodings). Documents in other
# encodings are still caught after parsing through docinfo.
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML and return the root element, or raise ``DocumentError``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise UnsafeXMLError(f"The document is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if not data or data.isspace():  # not strip(): that copies the whole body
        raise DocumentError("The document is empty.")
    if _DTD_RE.search(data, 0, 65536) or b"<!ENTITY" in data:
        raise UnsafeXMLError(
            "The document contains a DOCTYPE or ENTITY declaration; these are refused "
            "(they enable entity-expansion and external-entity attacks)."
        )
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        raise DocumentError([Problem(f"Malformed XML: {exc.msg}", line=line)]) from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise DocumentError(f"Malformed XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXMLError("The document contains a DOCTYPE declaration; it is refused.")
    return root


# Outside XML 1.0's Char production: C0 controls other than tab, newline and carriage return, lone
# surrogates, U+FFFE and U+FFFF. No escape lets a document carry them.
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text_problem(text: str) -> str | None:
    """Why ``text`` cannot go into an XML document, or None when it can. Spreadsheets and pasted
    text bring control characters (Excel's line break inside a cell is U+000B)."""
    match = NOT_XML_CHAR.search(text)
    if match is None:
        return None
    return (
        f"contains the character U+{ord(match.group()):04X} (character {match.start() + 1}), "
        "which an XML message cannot carry"
    )


def local(tag) -> str:
    """Local name of an element tag, or '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""
