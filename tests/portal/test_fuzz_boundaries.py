"""Fuzzing the ways in with mutated reference documents (Hypothesis): the ERP endpoint, the
gateway's POST /api/order and the inbox (an OrderResponse or a Delivered status for an order the
portal holds). Each mutation changes an element's text (long, huge, negative, odd numbers, dates,
any text), removes an element, repeats one or sets an attribute; whatever comes in, the answer is
never a server error, never the database's words, and a refusal changes nothing (no half-applied
change). Run on PostgreSQL in CI: that is where a value that does not fit fails loudly.

Each example runs in a savepoint that is rolled back, so every example starts from the same data."""

from __future__ import annotations

import base64

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from exchange import inbox
from exchange.models import InboxMessage, OutboxMessage
from gateway import services as gateway_services
from jakamo import status as jstatus
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from mappings import services as mapping_services
from orders.models import Confirmation, PurchaseOrder
from orders.purchase import services as purchase_services
from orders.purchase.intake import erp_client_create
from sandbox.services import response_from_order
from tests.helpers import acknowledged_message, order_xml
from tests.reference import by_title, require_shared
from tests.strategies import examples

PYTHON_WORDS = ("TypeError", "KeyError", "AttributeError", "ValueError", "InvalidOperation", "IntegrityError")
DATABASE_WORDS = ("value too long", "character varying", "DataError", "numeric field overflow", "Traceback")
FUZZ = settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"), max_size=60
)
values = st.one_of(
    xml_text,
    st.integers(min_value=0, max_value=420).map(lambda n: "Z" * n),
    st.integers(min_value=1, max_value=40).map(lambda n: "9" * n),
    st.sampled_from(
        ["", "-1", "0", "0.00001", "1e400", "1E+12", "NaN", "-Infinity", "999999999999", "12,5", "1 234,5"]
        + ["2023-02-30", "2023-01-28 00:00:00", "EURO", "Shipped", "Cancelled", "Confirmed with changes"]
    ),
)


@st.composite
def mutations(draw, size: int):
    """1–3 changes, each (element index, what, value), applied by ``mutate``."""
    return draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=size - 1),
                st.sampled_from(["text", "text", "text", "remove", "repeat", "attribute"]),
                values,
            ),
            min_size=1,
            max_size=3,
        )
    )


def elements(xml: bytes) -> int:
    return sum(1 for el in etree.fromstring(xml).iter() if isinstance(el.tag, str))


def mutate(xml: bytes, changes) -> bytes:
    root = etree.fromstring(xml)
    for index, what, value in changes:
        nodes = [el for el in root.iter() if isinstance(el.tag, str)]
        node = nodes[index % len(nodes)]
        parent = node.getparent()
        if what == "remove" and parent is not None:
            parent.remove(node)
        elif what == "repeat" and parent is not None:
            parent.insert(parent.index(node) + 1, etree.fromstring(etree.tostring(node)))
        elif what == "attribute":
            node.set("unitCode" if "Quantity" in str(node.tag) else "currencyID", value)
        elif len(node) == 0:
            node.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def clean(text: str):
    for words in DATABASE_WORDS:
        assert words not in text, text[:800]


class _Rollback(Exception):
    pass


def isolated(check):
    """Run ``check`` in a savepoint that is rolled back: each example starts from the same data."""
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


def counts() -> tuple[int, int]:
    return PurchaseOrder.objects.count(), OutboxMessage.objects.count()


@pytest.fixture
def buyer_for_examples(offline_buyer):
    """The buyer's integration, mapped for demo.sample_order and for the PO document's examples."""
    mapping_services.save_company_mapping(
        integration=offline_buyer, identifier="vendor_id", company_name="Test Supplier"
    )
    mapping_services.save_user_mapping(integration=offline_buyer, identifier="buyer_id", portal_user=None)
    return offline_buyer


def base_orders() -> list[bytes]:
    require_shared()
    return [
        order_xml("FZ-1"),
        by_title("full PO: Sending a new order").encode(),
        by_title("minimal PO: Sending a new order").encode(),
    ]


@st.composite
def mutated_orders(draw):
    base = draw(st.sampled_from(base_orders()))
    return mutate(base, draw(mutations(elements(base))))


# -- the ERP endpoint ------------------------------------------------------------------------------
@FUZZ
@given(body=mutated_orders())
def test_the_erp_endpoint_never_fails_and_never_half_applies(client, purchaser, buyer_for_examples, body):
    client.force_login(purchaser)

    def check():
        token = erp_client_create(name="ERP", integration=buyer_for_examples)[1]
        before = counts()
        response = client.post(
            "/orders/erp/orders/", body, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code in (201, 400), response.content[:500]
        clean(response.content.decode())
        if response.status_code == 400:
            assert counts() == before
            return
        order = PurchaseOrder.objects.get(order_number=response.json()["order_number"])
        # What was stored reads back: the lists and the order's page for everyone.
        assert client.get("/orders/purchase/").status_code == 200
        assert client.get(order.get_absolute_url()).status_code == 200

    isolated(check)


# -- the gateway -------------------------------------------------------------------------------------
@FUZZ
@given(body=mutated_orders())
def test_the_gateway_never_fails_and_never_half_applies(client, buyer_for_examples, body):
    def check():
        gateway_client, secret = gateway_services.client_create(name="ERP", integration=buyer_for_examples)
        auth = "Basic " + base64.b64encode(f"{gateway_client.username}:{secret}".encode()).decode()
        before = counts()
        response = client.post(
            "/gateway/jakamo/api/order", body, content_type="application/xml", HTTP_AUTHORIZATION=auth
        )
        assert response.status_code in (200, 400), response.content[:500]
        clean(response.content.decode())
        if response.status_code == 400:
            assert counts() == before

    isolated(check)


# -- the inbox ---------------------------------------------------------------------------------------
def _state(order: PurchaseOrder):
    order.refresh_from_db()
    lines = list(order.lines.values_list("line_id", "status", "tracking_number", "delivered_date"))
    batches = list(
        order.lines.values_list("batches__batch_id", "batches__confirmed_quantity", "batches__tracking_number")
    )
    return order.status, str(order.confirmed_total), lines, batches, Confirmation.objects.filter(order=order).count()


def _inbound(integration, body: bytes) -> InboxMessage:
    return acknowledged_message(integration, body)


def base_inbound() -> list[bytes]:
    require_shared()
    order = parse_order_document(by_title("full PO: Sending a new order"))
    delivered = jstatus.StatusMessage(
        order.id,
        jstatus.DELIVERED,
        tracking_number="T-1",
        lines=[jstatus.LineStatus("1", deliveries=[jstatus.DeliveryStatus("DELIVERY_ID_1", tracking_number="T-2")])],
    )
    return [
        by_title("Get confirmed with changes OrderResponse").encode(),
        by_title("new deliveries").encode(),
        by_title("partially confirmed").encode(),
        build_order_document(response_from_order(order, status=ubl.CONFIRMED)),
        jstatus.build_status_message(delivered),
    ]


@st.composite
def mutated_inbound(draw):
    base = draw(st.sampled_from(base_inbound()))
    return mutate(base, draw(mutations(elements(base))))


@FUZZ
@given(body=mutated_inbound())
def test_the_inbox_never_fails_loudly_and_a_failed_message_changes_nothing(purchaser, buyer_for_examples, body):
    def check():
        order = purchase_services.purchase_order_create(
            integration=buyer_for_examples,
            document=parse_order_document(by_title("full PO: Sending a new order")),
            user=purchaser,
        )
        before = _state(order)
        row = _inbound(buyer_for_examples, body)
        inbox.process(row)
        row.refresh_from_db()
        assert row.status in (InboxMessage.Status.PROCESSED, InboxMessage.Status.FAILED)
        clean(row.error)
        for name in PYTHON_WORDS:
            assert name not in row.error, row.error[:800]
        if row.status == InboxMessage.Status.FAILED:
            assert _state(order) == before, row.error

    isolated(check)
