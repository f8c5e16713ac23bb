"""The compiled line reader (jakamo/_ubl_lines.pyx) reads exactly what the Python reader reads: the
same document, or the same problems in the same order with the same wording and places, for every
example, the real fixtures and generated documents, broken ones included."""

import random
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import jakamo
from jakamo import build_speedups, ubl, ubl_parse
from jakamo.errors import DocumentError
from jakamo.ubl_build import build_order_document
from tests.reference import REAL_FIXTURES, xml_examples
from tests.strategies import add_noise, documents, examples, local

compiled = pytest.mark.skipif(
    ubl_parse.read_lines_compiled is None,
    reason="the compiled line reader is not built here (`make` builds it where a C compiler is)",
)


def test_the_compiled_reader_is_in_use_where_it_can_be_built():
    """`make test` builds it first; a machine with a C compiler and Cython must use it."""
    if shutil.which("cc") is None:
        pytest.skip("no C compiler on this machine: the Python reader reads lines")
    pytest.importorskip("Cython")
    assert ubl_parse.read_lines_compiled is not None, (
        "jakamo/_ubl_lines is missing or was built from another version of _ubl_lines.pyx: "
        "run `python -m jakamo.build_speedups` (make does)"
    )


def test_a_module_built_from_another_source_is_not_used(monkeypatch, caplog):
    fake = type(sys)("jakamo._ubl_lines")
    fake.SOURCE_SHA256 = "0" * 64
    fake.read_lines = lambda reader, elements: pytest.fail("a stale module was used")
    monkeypatch.setitem(sys.modules, "jakamo._ubl_lines", fake)
    monkeypatch.setattr(jakamo, "_ubl_lines", fake, raising=False)
    assert ubl_parse._compiled_line_reader() is None
    assert "compiled from another version of _ubl_lines.pyx" in caplog.text

    fake.SOURCE_SHA256 = build_speedups.source_sha256()
    assert ubl_parse._compiled_line_reader() is fake.read_lines


def read(xml, *, compiled_lines: bool):
    """What the reader makes of ``xml``: the document, or the problems it names."""
    saved = ubl_parse.read_lines_compiled
    if not compiled_lines:
        ubl_parse.read_lines_compiled = None
    try:
        return ubl_parse.parse_order_document(xml)
    except DocumentError as exc:
        return [(p.message, p.path, p.line) for p in exc.problems]
    finally:
        ubl_parse.read_lines_compiled = saved


def assert_both_read_alike(xml):
    python = read(xml, compiled_lines=False)
    assert read(xml, compiled_lines=True) == python
    return python


@compiled
@pytest.mark.parametrize("title", [t for t, x in xml_examples() if "StatusMessage" not in x[:20]])
def test_every_reference_example_reads_alike(title):
    xml = dict(xml_examples())[title]
    assert isinstance(assert_both_read_alike(xml), ubl_parse.ubl.OrderDocument)


@compiled
def test_jakamos_real_sample_reads_alike():
    path = REAL_FIXTURES / "jakamo-sample-order-response.xml"
    if not path.exists():
        pytest.skip(f"../shared is absent ({path})")
    doc = assert_both_read_alike(path.read_bytes())
    assert doc.lines


BROKEN_VALUES = ["", "  ", "not a number", "1 234,5", "12,3,4", "NaN", "-Infinity", "1e40", "2023-02-30", "x"]


def break_values(root, rnd: random.Random):
    """Bad numbers and dates, empty values, CDATA, lost elements, unusual aggregates: everything the
    compiled reader hands back to the Python reader or must read the same itself."""
    for el in list(root.iter(etree.Element)):
        roll = rnd.random()
        if el is root or el.getparent() is None:
            continue
        if len(el) == 0 and roll < 0.12:
            el.text = rnd.choice(BROKEN_VALUES)
        elif len(el) == 0 and roll < 0.16 and el.text:
            el.text = etree.CDATA(el.text)
        elif roll < 0.19 and local(el) in {"LineItem", "ID", "Quantity", "Price", "Item", "PriceAmount"}:
            el.getparent().remove(el)
        elif roll < 0.21 and local(el) == "Item":
            party = etree.SubElement(el, "ManufacturerParty")
            etree.SubElement(etree.SubElement(party, "PartyName"), "Name").text = "Maker Oy"
        elif roll < 0.23 and local(el) == "Delivery":
            despatch = etree.SubElement(el, "Despatch")
            etree.SubElement(despatch, "RequestedDespatchDate").text = rnd.choice(["2027-01-02", "soon"])


@compiled
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.randoms(use_true_random=False))
def test_any_document_reads_alike_however_broken(doc, rnd):
    root = etree.fromstring(build_order_document(doc))
    add_noise(root, rnd)
    break_values(root, rnd)
    xml = etree.tostring(root)
    assert read(xml, compiled_lines=True) == read(xml, compiled_lines=False), xml.decode()


@compiled
def test_the_problems_of_a_line_come_in_the_python_readers_order_and_words():
    xml = Path(__file__).with_name("broken_lines.xml").read_bytes()
    problems = assert_both_read_alike(xml)
    assert [message for message, _, _ in problems] == [
        "'12,5 kg' is not a number",
        "'soon' is not a date (expected YYYY-MM-DD)",
        "'NaN' is not a finite number",
        "OrderLine has no LineItem",
        "LineItem has no ID (the line number)",
        "'tomorrow' is not a date (expected YYYY-MM-DD)",
    ]
    assert problems[0][1].endswith("OrderLine/LineItem/Price/PriceAmount")
    assert problems[1][1].endswith("LineItem/Delivery/RequestedDeliveryPeriod/EndDate")


@compiled
def test_odd_but_readable_lines_read_alike():
    doc = assert_both_read_alike(Path(__file__).with_name("odd_lines.xml").read_bytes())
    (line,) = doc.lines
    (batch,) = line.deliveries
    assert (line.id, line.notes, line.line_status_code) == ("1", ["kept"], "Confirmed with changes")
    assert line.quantity == ubl.Quantity(Decimal("1234.5"), None)
    assert (batch.id, batch.quantity, batch.status) == ("B-1", ubl.Quantity(Decimal(7), "PCE"), "")
    assert batch.promised_end_date == date(2027, 1, 28)
    assert batch.delivery_location.description == "Dock 4"
    assert [ref.id for ref in batch.document_references] == ["AEP-1"]
    assert line.price.unit_price == Decimal(12)
    assert line.item.sellers_item_identification is None
    assert line.item.buyers_item_identification == ubl.ItemIdentification("P-1", "rev B")
    assert line.item.classified_tax_category == ubl.TaxCategory(Decimal(24), "VAT")
    assert line.item.attributes == {"colour": "red"}
    assert [ref.id for ref in line.document_references] == ["drawing-7"]
