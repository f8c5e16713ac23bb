from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from jakamo import ubl
from jakamo.errors import DocumentError, UnsafeXMLError, UnwritableError
from jakamo.status import StatusMessage, build_status_message
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import parse_xml, xml_text_problem

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Order><ID>&xxe;</ID></Order>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Order><ID>&lol3;</ID></Order>"""


def test_it_refuses_an_external_entity():
    with pytest.raises(UnsafeXMLError, match="DOCTYPE"):
        parse_xml(XXE)


def test_it_refuses_an_entity_bomb():
    with pytest.raises(UnsafeXMLError):
        parse_xml(BILLION_LAUGHS)


def test_it_refuses_a_doctype_in_utf16_that_a_byte_scan_misses():
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Order><Order/>'.encode("utf-16")
    with pytest.raises(UnsafeXMLError):
        parse_xml(data)


def test_it_refuses_an_oversize_body_before_parsing():
    with pytest.raises(UnsafeXMLError, match="limit"):
        parse_xml(b"<Order>" + b" " * 2000 + b"</Order>", max_bytes=1000)


def test_it_names_the_line_of_malformed_xml():
    with pytest.raises(DocumentError) as exc:
        parse_xml(b"<Order>\n<ID>1</ID>\n<Note>unclosed\n</Order>")
    assert exc.value.problems[0].line is not None
    assert "Malformed XML" in str(exc.value)


def test_it_refuses_an_empty_body():
    with pytest.raises(DocumentError, match="empty"):
        parse_xml(b"   ")


def test_it_refuses_invalid_utf8():
    with pytest.raises(DocumentError, match="Malformed XML"):
        parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><Order><ID>\xff\xfe</ID></Order>')


def test_it_refuses_a_wrong_root_naming_what_it_expected():
    with pytest.raises(DocumentError, match="root element is <Invoice>"):
        parse_order_document(b"<Invoice><ID>1</ID></Invoice>")


def test_it_lists_every_problem_at_once():
    xml = b"""<Order xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
      xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">
      <cbc:IssueDate>2023-13-45</cbc:IssueDate>
      <cac:OrderLine><cac:LineItem><cbc:Quantity>ten</cbc:Quantity></cac:LineItem></cac:OrderLine>
    </Order>"""
    with pytest.raises(DocumentError) as exc:
        parse_order_document(xml)
    messages = " | ".join(str(p) for p in exc.value.problems)
    assert "no cbc:ID" in messages
    assert "'2023-13-45' is not a date" in messages
    assert "LineItem has no ID" in messages
    assert len(exc.value.problems) == 3


# -- text that XML cannot carry, on the way out ----------------------------------------------------


def test_the_xml_character_check_agrees_with_lxml_on_every_character():
    """What xml_text_problem refuses is exactly what lxml refuses, in text and in attributes."""
    element = etree.Element("a")
    disagreements = []
    for code in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        value = "a" + chr(code)
        outcomes = set()
        for write in (lambda v: setattr(element, "text", v), lambda v: element.set("k", v)):
            try:
                write(value)
                outcomes.add(True)
            except ValueError:
                outcomes.add(False)
        if outcomes != {xml_text_problem(value) is None}:
            disagreements.append(hex(code))
    assert disagreements == []


def test_the_order_builder_names_the_element_and_the_character_xml_cannot_carry():
    line = ubl.OrderLine("1", ubl.Quantity(Decimal(5), "PCE"), item=ubl.Item(name="HEX\x0bSCREW"))
    document = ubl.OrderDocument(kind=ubl.ORDER, id="X-1", issue_date=date(2027, 1, 1), lines=[line])
    with pytest.raises(UnwritableError) as exc:
        build_order_document(document)
    assert [str(p) for p in exc.value.problems] == [
        "Order/OrderLine/LineItem/Item/Name: the value contains the character U+000B (character 4), "
        "which an XML message cannot carry"
    ]
    # Callers that catch lxml's ValueError catch this one too.
    assert isinstance(exc.value, ValueError)
    line.item.name, line.quantity.unit_code = "HEX SCREW", "PC\ufffe"
    with pytest.raises(UnwritableError, match=r"Order/OrderLine/LineItem/Quantity/@unitCode: .* U\+FFFE"):
        build_order_document(document)


def test_the_status_message_builder_names_the_element_too():
    message = StatusMessage(order_id="X-1", status="Delivered", tracking_number="JJD\x0100")
    with pytest.raises(UnwritableError, match=r"StatusMessage/TrackingNumber: .* U\+0001 \(character 4\)"):
        build_status_message(message)


def test_an_element_in_a_foreign_namespace_before_cbc_id_is_not_the_order_number():
    from jakamo.ubl_parse import parse_order_document

    xml = (
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" xmlns:x="urn:example:erp"'
        b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<x:ID>ERP-INTERNAL-7</x:ID><cbc:ID>PO-1</cbc:ID><ID>ignored-second</ID></Order>"
    )
    assert parse_order_document(xml).id == "PO-1"
    assert parse_order_document(b"<Order><ID>PO-2</ID></Order>").id == "PO-2"  # no namespace, as Jakamo writes
