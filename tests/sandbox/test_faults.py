"""Fault injection: each fault misbehaves as announced, over HTTP, and then stops."""

import time

import pytest

from jakamo.errors import DocumentError, OutcomeUnknownError, TransientError
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from sandbox import demo, party, services
from sandbox.models import Fault, Message, Order
from tests.helpers import make_client


def confirmed_orders(network, *numbers):
    for number in numbers:
        party.supplier_confirm(
            services.receive_po_document(network["po"], build_order_document(demo.sample_order(number)))
        )


def test_error_500_answers_the_next_n_requests_then_stops(network, po_client):
    services.add_fault("error_500", 2, network["po"])
    for _ in range(2):
        with pytest.raises(TransientError) as exc:
            po_client.get_message()
        assert exc.value.status == 500
    assert po_client.get_message() is None
    assert not Fault.objects.exists()


def test_a_fault_for_one_integration_leaves_the_others_alone(network, po_client, so_client):
    services.add_fault("error_500", 1, network["so"])
    assert po_client.get_message() is None
    with pytest.raises(TransientError):
        so_client.get_message()


def wait_for_the_hanging_answer(settings):
    # The server thread still sleeps; let it finish before the test database goes away.
    time.sleep(settings.SANDBOX_HANG_SECONDS)


def test_hang_acts_but_answers_after_the_client_gave_up(jakamo_url, network, settings):
    client = make_client(jakamo_url, demo.PO, read_timeout=0.3)
    services.add_fault("hang", 1, network["po"])
    with pytest.raises(OutcomeUnknownError):
        client.send_order(build_order_document(demo.sample_order("H-1")))
    # The request arrived: Jakamo has the order although the client never heard so.
    assert Order.objects.filter(order_number="H-1").exists()
    wait_for_the_hanging_answer(settings)


def test_hang_on_a_queue_read_is_just_transient(jakamo_url, network, settings):
    client = make_client(jakamo_url, demo.PO, read_timeout=0.3)
    services.add_fault("hang", 1, network["po"])
    with pytest.raises(TransientError) as exc:
        client.get_message()
    assert not isinstance(exc.value, OutcomeUnknownError)
    wait_for_the_hanging_answer(settings)


def test_drop_ack_answers_ok_but_the_message_stays(network, po_client):
    confirmed_orders(network, "F-1")
    services.add_fault("drop_ack", 1, network["po"])
    message = po_client.get_message()
    po_client.acknowledge(message.acknowledge_uri)
    assert po_client.get_message().acknowledge_uri == message.acknowledge_uri
    po_client.acknowledge(message.acknowledge_uri)
    assert po_client.get_message() is None


def test_malformed_puts_a_broken_message_at_the_head_that_clears_like_any_other(network, po_client):
    confirmed_orders(network, "F-2")
    services.add_fault("malformed", 1, network["po"])
    broken = po_client.get_message()
    with pytest.raises(DocumentError):
        parse_order_document(broken.body)
    assert po_client.get_message().acknowledge_uri == broken.acknowledge_uri  # same until cleared
    po_client.acknowledge(broken.acknowledge_uri)
    good = po_client.get_message()
    assert parse_order_document(good.body).order_number == "F-2"


def test_repeat_delivers_an_acknowledged_message_again_with_a_new_ack_uri(network, po_client):
    confirmed_orders(network, "F-3", "F-4")
    services.add_fault("repeat", 1, network["po"])
    first = po_client.get_message()
    po_client.acknowledge(first.acknowledge_uri)
    second = po_client.get_message()
    assert parse_order_document(second.body).order_number == "F-4"
    po_client.acknowledge(second.acknowledge_uri)
    repeated = po_client.get_message()
    assert repeated.body == first.body and repeated.acknowledge_uri != first.acknowledge_uri
    po_client.acknowledge(repeated.acknowledge_uri)
    assert po_client.get_message() is None
    assert Message.objects.filter(integration=network["po"]).count() == 3


def test_unknown_fault_kinds_are_refused(network):
    with pytest.raises(ValueError, match="unknown fault"):
        services.add_fault("explode")


def test_error_503_answers_service_unavailable(network, po_client):
    services.add_fault("error_503", 1, network["po"])
    with pytest.raises(TransientError) as exc:
        po_client.get_message()
    assert exc.value.status == 503
    assert po_client.get_message() is None


def test_a_fault_with_a_probability_misbehaves_by_chance_up_to_its_count(network, po_client):
    services.add_fault("error_500", 1000, network["po"], probability=0.5)
    outcomes = []
    for _ in range(60):
        try:
            po_client.get_message()
            outcomes.append("ok")
        except TransientError:
            outcomes.append("500")
    # Binomial(60, 0.5): outside 12..48 about once in ten million runs.
    assert 12 <= outcomes.count("500") <= 48
    assert Fault.objects.get().remaining == 1000 - outcomes.count("500")
    services.add_fault("hang", 2, network["po"], probability=1.0)
    assert Fault.objects.filter(kind="hang").get().probability == 1.0


def test_a_probability_outside_zero_to_one_is_refused(network):
    with pytest.raises(ValueError, match="between 0 and 1"):
        services.add_fault("error_500", 1, network["po"], probability=1.5)
