"""Each 400 answer of the reference tables, produced by the simulated Jakamo over HTTP and read
by the client as a typed, explained error."""

import dataclasses
from decimal import Decimal

import pytest
import requests

from jakamo import status as jstatus
from jakamo import ubl
from jakamo.errors import AuthenticationError, RejectedError, TransientError
from jakamo.ubl_build import build_order_document
from sandbox import demo, party
from sandbox.models import CompanyMapping, Integration, Order, OrderStatus
from tests.helpers import make_client, order_xml


def refused(call) -> RejectedError:
    with pytest.raises(RejectedError) as exc:
        call()
    assert exc.value.status == 400
    return exc.value


def test_wrong_password_answers_authentication_failed(jakamo_url):
    client = make_client(jakamo_url, dataclasses.replace(demo.PO, password="wrong"))
    with pytest.raises(AuthenticationError) as exc:
        client.get_message()
    assert exc.value.status == 400 and exc.value.explanation.code == "authentication_failed"
    assert "Integrations page" in exc.value.explanation.explanation


def test_no_credentials_at_all_answers_authentication_failed(jakamo_url):
    response = requests.get(f"{jakamo_url}/api/order/response", timeout=5)
    assert response.status_code == 400 and "Authentication failed." in response.text


def test_sales_order_credentials_cannot_post_orders(jakamo_url):
    client = make_client(jakamo_url, demo.SO)
    assert refused(lambda: client.send_order(order_xml("E-1"))).explanation.code == "message_required"


def test_a_document_that_is_not_an_order_is_refused(po_client):
    assert (
        refused(lambda: po_client.send_order(b"<Invoice><ID>1</ID></Invoice>")).explanation.code == "message_required"
    )


def test_malformed_xml_answers_the_generic_500(po_client):
    with pytest.raises(TransientError) as exc:
        po_client.send_order(b"<Order><ID>1</ID>")
    assert exc.value.status == 500


def test_missing_issue_date(po_client):
    doc = demo.sample_order("E-2")
    doc.issue_date = None
    xml = build_order_document(dataclasses.replace(doc, issue_date=demo.date.today())).replace(
        f"<cbc:IssueDate>{demo.date.today().isoformat()}</cbc:IssueDate>".encode(), b""
    )
    assert refused(lambda: po_client.send_order(xml)).explanation.code == "invalid_issue_date"


def test_unknown_vendor(po_client):
    error = refused(lambda: po_client.send_order(order_xml("E-1", vendor_id="V-999"), vendor_id="V-999"))
    assert error.explanation.code == "no_vendor_mapping" and "“V-999”" in error.explanation.explanation


def test_unknown_buyer_contact(po_client):
    error = refused(lambda: po_client.send_order(order_xml("E-1", buyer_contact="ghost")))
    assert error.explanation.code == "no_buyer_contact"


def test_line_without_quantity(po_client):
    doc = demo.sample_order("E-3")
    doc.lines[0].quantity = None
    xml = build_order_document(dataclasses.replace(doc, lines=doc.lines[1:]))  # builder refuses None quantity
    xml = xml.replace(b'<cbc:Quantity unitCode="PCE">100</cbc:Quantity>\n', b"", 1)
    assert refused(lambda: po_client.send_order(xml)).explanation.code == "line_missing_quantity"


def test_line_without_price(po_client):
    doc = demo.sample_order("E-4")
    doc.lines[0].price = None
    assert refused(lambda: po_client.send_order(build_order_document(doc))).explanation.code == "price_required"


def test_line_without_id_is_incorrect_order_data(po_client):
    xml = order_xml("E-5").replace(b"<cbc:ID>1</cbc:ID>", b"", 1)
    assert refused(lambda: po_client.send_order(xml)).explanation.code == "incorrect_order_data"


def test_zero_quantity_on_a_new_order_is_incorrect_order_data(po_client):
    assert refused(lambda: po_client.send_order(order_xml("E-6", quantity=Decimal(0)))).explanation.code == (
        "incorrect_order_data"
    )


def test_duplicate_order_number(po_client):
    po_client.send_order(order_xml("E-7"))
    error = refused(lambda: po_client.send_order(order_xml("E-7"), order_number="E-7"))
    assert error.explanation.code == "order_exists" and "OrderChange" in error.explanation.explanation
    assert Order.objects.filter(order_number="E-7").count() == 1


def test_supplier_that_has_not_mapped_us(network, po_client):
    # The supplier has its own SO integration at the simulated Jakamo, without a mapping for us.
    supplier_so = Integration(company="Test Supplier Ltd.", api="sales_order", username="so-supplier")
    supplier_so.set_password("x")
    supplier_so.save()
    assert refused(lambda: po_client.send_order(order_xml("E-8"))).explanation.code == "no_partner_mapping"
    CompanyMapping.objects.create(integration=supplier_so, identifier="NORDIC", company=demo.OUR_COMPANY)
    po_client.send_order(order_xml("E-8"))
    assert supplier_so.messages.count() == 1  # and the order reaches the supplier's SO queue


def test_order_change_for_an_unknown_order(po_client):
    doc = demo.sample_order("E-9")
    doc.kind = ubl.ORDER_CHANGE
    assert refused(lambda: po_client.send_order(build_order_document(doc))).explanation.code == "cannot_find_order"


@pytest.mark.parametrize("final", ["Cancelled", "Received"])
def test_a_cancelled_or_received_order_cannot_be_reopened(po_client, final):
    po_client.send_order(order_xml("E-10"))
    po_client.send_status("E-10", jstatus.build_status_message(jstatus.StatusMessage("E-10", final)))
    assert Order.objects.get(order_number="E-10").status == final
    doc = demo.sample_order("E-10")
    doc.kind = ubl.ORDER_CHANGE
    assert refused(lambda: po_client.send_order(build_order_document(doc))).explanation.code == "cannot_reopen"
    again = jstatus.build_status_message(jstatus.StatusMessage("E-10", "Cancelled"))
    assert refused(lambda: po_client.send_status("E-10", again)).explanation.code == "cannot_reopen"


def _so_response(network, order_number="C-1", **overrides) -> bytes:
    order = party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number=order_number,
        lines=[party.CustomerLine("Bolt", Decimal(5), Decimal(2), demo.date.today())],
    )
    from sandbox.services import requested_doc, response_from_order

    response = response_from_order(requested_doc(order), status=ubl.CONFIRMED)
    response.buyer_customer_party = ubl.CustomerParty(ubl.Party([ubl.Identifier(overrides.get("customer", "C-100"))]))
    response.seller_supplier_party = ubl.SupplierParty(
        ubl.Party([ubl.Identifier("NORDIC")]), seller_contact=ubl.Contact(id=overrides.get("contact", "sam"))
    )
    if "order_reference" in overrides:
        response.order_reference_id = overrides["order_reference"]
    return build_order_document(response)


def test_so_unknown_customer(network, so_client):
    assert refused(lambda: so_client.send_order_response(_so_response(network, customer="C-999"))).explanation.code == (
        "no_customer_mapping"
    )


def test_so_unknown_seller_contact(network, so_client):
    error = refused(
        lambda: so_client.send_order_response(_so_response(network, contact="ghost"), seller_contact_id="ghost")
    )
    assert error.explanation.code == "seller_contact" and "“ghost”" in error.explanation.explanation


def test_so_unknown_order(network, so_client):
    xml = _so_response(network, order_reference="NOPE")
    assert refused(lambda: so_client.send_order_response(xml)).explanation.code == "cannot_find_order"


def test_so_incorrect_order_response(network, so_client):
    assert refused(lambda: so_client.send_order_response(b"<Order><ID>1</ID></Order>")).explanation.code == (
        "incorrect_order_response"
    )


def test_so_confirmation_is_accepted_and_reaches_jakamo(network, so_client):
    so_client.send_order_response(_so_response(network, "C-2"))
    assert Order.objects.get(order_number="C-2").status == OrderStatus.CONFIRMED
