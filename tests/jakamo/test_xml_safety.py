import pytest

from jakamo.errors import DocumentError, UnsafeXMLError
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import parse_xml

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
