"""Every complete example of the PO document parses, carries every field it shows, and what the
builders make of it validates against the OASIS UBL 2.1 schemas (Jakamo extensions aside)."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from jakamo import schema, ubl
from jakamo.status import build_status_message, parse_status_message
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from tests.reference import REAL_FIXTURES, XSD_DIR, by_title, require_shared, xml_examples


def examples(kind_prefix: str):
    return [(title, xml) for title, xml in xml_examples() if kind_prefix in xml.split(">", 1)[0]]


def test_the_reference_document_holds_the_examples_we_test():
    require_shared()
    titles = [title for title, _ in xml_examples()]
    assert len(titles) == 14, titles


@pytest.mark.parametrize("title", [t for t, x in xml_examples() if "StatusMessage" not in x[:20]])
def test_it_reads_every_ubl_example(title):
    doc = parse_order_document(by_title(title))
    assert doc.order_number == "purchase_order_number-1234" or doc.id == "123456-minimal-PO"
    assert doc.lines and all(line.id for line in doc.lines)


def test_it_carries_every_field_of_the_full_order():
    doc = parse_order_document(by_title("full PO: Sending a new order"))
    assert doc.kind == ubl.ORDER
    assert doc.issue_date == date(2023, 10, 14) and doc.issue_time.isoformat() == "23:00:00"
    assert doc.notes == ["Additional info", "Additional info row 2"]
    assert doc.document_currency_code == "EUR" and doc.customer_reference == "CUSTOMER_REF_1234567890"
    codes = [(r.document_type_code, r.id) for r in doc.additional_document_references]
    assert codes == [
        ("ZZZ", "Delivery method X"),
        ("SS", "SUPPLIER_REFERENCE_1234567890"),
        ("SM", "Shipping mark X"),
        ("GLB", "Goods Label X"),
        ("ADE", "003707224808"),
        ("PP", "Version 1"),
    ]
    assert doc.additional_document_references[4].document_description == "test@example.com"
    assert doc.contract_ids == ["Contract_ID_1"] and doc.project_reference_id == "PROJECT_REF_1"
    buyer = doc.buyer_customer_party
    assert buyer.party.id == "erp_id" and buyer.party.name == "Customer Company AB"
    assert buyer.party.postal_address.city_name == "Seinäjoki" and buyer.party.postal_address.postbox == "000000"
    assert buyer.party.tax_company_id == "FI00000000"
    assert buyer.buyer_contact.id == "buyer_id" and buyer.buyer_contact.name == "Bertha Buyer"
    assert doc.vendor_id == "vendor_id" and doc.seller_supplier_party.party.postal_address.city_name == "KOTKA"
    assert doc.accounting_customer_party.party.id == "ACCO_1"
    assert doc.delivery.delivery_location.address.street_name == "Jakamokatu 2"
    assert doc.delivery.delivery_location.address.country.name == "FINLAND"
    assert doc.delivery.delivery_party.name == "Delivery Party Ltd."
    assert doc.delivery_terms.id == "FCA" and doc.delivery_terms.location.description == "Seinäjoki"
    assert doc.payment_terms.id == "1" and doc.payment_terms.note == "within 60 days Due net"
    line = doc.lines[0]
    assert line.notes == ["Orderline additional info 1", "Orderline additional info 2", "Orderline additional info 3"]
    assert line.quantity == ubl.Quantity(Decimal(100), "PCE")
    assert line.line_extension_amount == ubl.Amount(Decimal(960), "EUR")
    batch = line.deliveries[0]
    assert batch.id == "DELIVERY_ID_1" and batch.quantity.value == 100
    assert [(r.document_type_code, r.id) for r in batch.document_references] == [
        ("AEP", "PROJECT_NUMBER_1"),
        ("BWN", "BUYER_WORK_NUMBER_1"),
    ]
    assert batch.delivery_location.address.city_name == "Tampere"
    assert batch.requested_end_date == date(2024, 1, 28) and batch.requested_despatch_date == date(2024, 1, 25)
    assert line.allowance_charges == [ubl.AllowanceCharge(False, Decimal("0.2"), ubl.Amount(Decimal(240), "EUR"))]
    assert line.price.amount.value == 120 and line.price.base_quantity.value == 10
    assert line.price.orderable_unit_factor_rate == 1 and line.price.unit_price == 12
    item = line.item
    assert item.name == "HEX HEAD SCREW M16x80mm" and item.description == "ISO 4014 - M16x80 - 8.8 tZn"
    assert item.buyers_item_identification == ubl.ItemIdentification("PART12345", "REVISION_123")
    assert item.sellers_item_id == "PART54321" and item.manufacturers_item_identification.id == "PART_666"
    assert item.attributes == {"LENGTH": "1 meter", "WEIGHT": "1kg", "DIAMETER": "0.3 meters"}
    assert len(item.specification_references) == 7
    assert item.classified_tax_category == ubl.TaxCategory(Decimal(24), "VAT")
    assert item.manufacturer_party.id == "MANU_1" and item.manufacturer_party.name == "Manufacturer Ltd."
    assert line.document_references == [ubl.DocumentReference("CONTRACT_REFERENCE_1", "315")]


def test_it_reads_the_line_states_of_the_order_responses():
    partial = parse_order_document(by_title("partially confirmed"))
    assert [line.line_status_code for line in partial.lines] == [ubl.OPEN, ubl.CONFIRMED]
    open_batch = partial.lines[0].deliveries[0]
    assert open_batch.quantity is None and open_batch.promised_end_date is None  # empty elements
    assert partial.lines[1].deliveries[0].promised_end_date == date(2023, 1, 28)  # "2023-01-28 00:00:00"
    assert partial.lines[1].deliveries[0].status == "Open"

    changed = parse_order_document(by_title("Get confirmed with changes OrderResponse"))
    assert changed.order_reference_id == "purchase_order_number-1234" and changed.id == "33432425"
    assert [line.line_status_code for line in changed.lines] == [ubl.CONFIRMED_WITH_CHANGES] * 2
    assert changed.lines[1].price.unit_price == 50
    assert changed.seller_supplier_party.party.ids[0].scheme_agency_id == "92"

    batches = parse_order_document(by_title("new deliveries"))
    assert [d.id for d in batches.lines[0].deliveries] == ["DELIVERY_ID_1", "DELIVERY_ID_1.1", "DELIVERY_ID_1.2"]
    assert [d.quantity.value for d in batches.lines[0].deliveries] == [33, 33, 34]


def test_it_reads_the_cancelling_order_change_written_in_the_order_namespace():
    doc = parse_order_document(by_title('Cancelling the order with "Cancelled" LineStatusCode'))
    assert doc.kind == ubl.ORDER_CHANGE
    assert all(line.line_status_code == ubl.CANCELLED for line in doc.lines)


@pytest.mark.parametrize(
    "fragment,status,level",
    [
        ("Delivered", "Delivered", "batch"),
        ('"Cancelled" StatusMessage', "Cancelled", "order"),
        ("Example 1", "Received", "line"),
        ("Example 2", "Received", "batch"),
        ("Example 3", "Received", "batch"),
        ("Example 4", "Received", "line"),
    ],
)
def test_it_reads_every_status_message_example(fragment, status, level):
    msg = parse_status_message(by_title(fragment))
    assert msg.status == status and msg.level == level
    assert parse_status_message(build_status_message(msg)) == msg


def test_it_reads_partial_receipt_quantities_and_delivered_details():
    partial = parse_status_message(by_title("Example 3"))
    batch = partial.lines[0].deliveries[0]
    assert (batch.delivery_id, batch.received_quantity, batch.received_date) == (
        "DELIVERY_ID_1",
        Decimal(25),
        date(2024, 2, 1),
    )
    assert partial.event_date == date(2024, 2, 1)
    delivered = parse_status_message(by_title("Delivered"))
    assert delivered.tracking_number == "123456789" and delivered.real_delivery_date == date(2023, 1, 25)
    assert delivered.buyer_customer_id == "erp_id" and delivered.seller_supplier_id == "vendor_id"
    assert delivered.lines[0].deliveries[0].tracking_number is None


def test_it_reads_jakamos_own_messy_sample_order_response():
    require_shared()
    doc = parse_order_document((REAL_FIXTURES / "jakamo-sample-order-response.xml").read_bytes())
    assert doc.kind == ubl.ORDER_RESPONSE
    assert doc.order_number == "163541414141414144141414141414141141414141414"
    assert doc.seller_contact_id == "James"  # SellerContact directly under SellerSupplierParty
    assert doc.accounting_customer_party.party.ids == []  # <cbc:ID/> reads as absent
    assert [line.quantity.unit_code for line in doc.lines] == ["PCS", "PCS", "KG"]
    assert doc.lines[2].item.attributes == {"Material": "Aluminium"}


@pytest.mark.parametrize("title", [t for t, x in xml_examples() if "StatusMessage" not in x[:20]])
def test_what_the_builder_writes_validates_against_ubl_21(title):
    require_shared()
    out = build_order_document(parse_order_document(by_title(title)))
    assert schema.validate(out, XSD_DIR) == []


def test_only_the_listed_jakamo_extensions_are_forgiven():
    require_shared()
    out = build_order_document(parse_order_document(by_title("full PO: Updating")))
    root = etree.fromstring(out)
    ns = {"cac": ubl.NS_CAC, "cbc": ubl.NS_CBC}
    # The extension elements are really there and really outside UBL...
    assert root.xpath("cac:ProjectReference", namespaces=ns)
    assert root.xpath("cac:OrderLine/cac:LineItem/cac:Delivery/cac:DocumentReference", namespaces=ns)
    # ...and any other departure still fails: an extension element somewhere it is not listed.
    line_item = root.xpath("cac:OrderLine/cac:LineItem", namespaces=ns)[0]
    stray = etree.SubElement(line_item, f"{{{ubl.NS_CAC}}}ProjectReference")
    etree.SubElement(stray, f"{{{ubl.NS_CBC}}}ID").text = "X"
    errors = schema.validate(etree.tostring(root), XSD_DIR)
    assert errors and "ProjectReference" in errors[0]


def test_the_builder_refuses_a_document_without_the_mandatory_parts():
    from jakamo.errors import DocumentError

    with pytest.raises(DocumentError) as exc:
        build_order_document(ubl.OrderDocument(kind=ubl.ORDER, id="", lines=[ubl.OrderLine(id="1")]))
    text = str(exc.value)
    assert "needs an ID" in text and "needs an IssueDate" in text and "needs a Quantity" in text
