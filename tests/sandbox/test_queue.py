"""Queue semantics of the simulated Jakamo, over HTTP with the protocol library's client."""

import requests

from jakamo.client import EMPTY_QUEUE_TEXT
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from sandbox import demo, party, services
from sandbox.models import Message


def place(network, number, **kwargs):
    return services.receive_po_document(network["po"], build_order_document(demo.sample_order(number, **kwargs)))


def test_an_empty_queue_answers_200_with_no_more_messages(po_client, jakamo_url):
    assert po_client.get_message() is None
    raw = requests.get(f"{jakamo_url}/api/order/response", auth=(demo.PO.username, demo.PO.password), timeout=5)
    assert raw.status_code == 200 and EMPTY_QUEUE_TEXT in raw.text and "X-Acknowledge-Uri" not in raw.headers


def test_the_oldest_message_comes_back_until_it_is_acknowledged(network, po_client):
    for number in ("Q-1", "Q-2", "Q-3"):
        party.supplier_confirm(place(network, number))
    first = po_client.get_message()
    again = po_client.get_message()
    assert first.body == again.body and first.acknowledge_uri == again.acknowledge_uri
    seen = []
    while (message := po_client.get_message()) is not None:
        seen.append(parse_order_document(message.body).order_number)
        assert po_client.acknowledge(message.acknowledge_uri).body == "<Info>Message cleared from the queue</Info>"
    assert seen == ["Q-1", "Q-2", "Q-3"]


def test_acknowledging_twice_is_harmless(network, po_client):
    party.supplier_confirm(place(network, "Q-10"))
    message = po_client.get_message()
    po_client.acknowledge(message.acknowledge_uri)
    po_client.acknowledge(message.acknowledge_uri)
    assert po_client.get_message() is None


def test_an_order_response_carries_the_headers_jakamo_sends(network, po_client):
    party.supplier_confirm(place(network, "Q-20"))
    message = po_client.get_message()
    assert message.order_number == "Q-20"
    assert message.confirm_url.startswith("http") and "/api/confirm/" in message.confirm_url
    assert message.acknowledge_uri.startswith("http") and "/api/ack/" in message.acknowledge_uri
    assert message.content_type.startswith("application/xml")


def test_each_set_of_credentials_sees_only_its_own_queue(network, po_client, so_client, asn_client):
    order = place(network, "Q-30")
    party.supplier_confirm(order)
    party.supplier_dispatch_asn(order)
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="C-30",
        lines=[party.CustomerLine("Bolt", 5, 2, demo.date.today())],
    )
    po_msg, so_msg, asn_msg = po_client.get_message(), so_client.get_message(), asn_client.get_message("asn")
    assert b"<OrderResponse" in po_msg.body or b":OrderResponse" in po_msg.body
    assert parse_order_document(so_msg.body).id == "C-30"
    assert b'"shipmentNumber"' in asn_msg.body and asn_msg.content_type.startswith("application/json")
    # The PO credentials cannot clear the SO queue's message by reading it.
    assert Message.objects.filter(integration=network["so"], acknowledged_at__isnull=True).count() == 1


def test_the_queue_survives_a_restart_because_it_lives_in_the_database(network, po_client):
    party.supplier_confirm(place(network, "Q-40"))
    assert Message.objects.filter(integration=network["po"], acknowledged_at__isnull=True).count() == 1
    assert po_client.get_message().order_number == "Q-40"
