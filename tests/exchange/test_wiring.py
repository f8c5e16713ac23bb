"""The explicit wiring from an inbound message to the code that applies it: the routes the apps
declare in their ready(), what arrives with no route, and the gateway's acceptance callback."""

import inspect
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from exchange import handlers, inbox
from gateway import queues
from gateway import services as gateway_services
from gateway.models import GatewayMessage, Passes
from mappings.models import Kind
from orders.models import Confirmation
from orders.purchase import services as purchase
from sandbox import demo, party
from sandbox.models import Order as JakamoOrder
from tests.helpers import send_all

ROUTES = [
    ("ASN", "asn", "shipments.incoming.on_asn"),
    ("OrderResponse", "purchase_order", "orders.purchase.services.on_order_response"),
    ("StatusMessage Delivered", "purchase_order", "orders.purchase.services.on_delivered"),
    ("Order", "sales_order", "orders.sales.services.on_customer_order"),
    ("OrderChange", "sales_order", "orders.sales.services.on_customer_order"),
    ("StatusMessage Cancelled", "sales_order", "orders.sales.services.on_customer_cancelled"),
    ("ShipHeroShipmentASN", "shiphero", "shipments.outgoing.on_shipment_asn"),
]

# What can arrive but no app applies: each is stored as failed, with a reason a person can act on.
UNROUTED = [
    ("Order", "purchase_order"),
    ("OrderChange", "purchase_order"),
    ("StatusMessage Cancelled", "purchase_order"),
    ("StatusMessage Received", "purchase_order"),
    ("ASN", "purchase_order"),  # identify() reads any JSON body as an ASN
    ("OrderResponse", "sales_order"),
    ("StatusMessage Received", "sales_order"),
    ("StatusMessage Delivered", "sales_order"),
    ("ASN", "sales_order"),
]


@pytest.fixture(autouse=True)
def record_only_handlers():
    """Overrides the package's fixture: this module looks at the apps' real routes."""


@pytest.fixture
def own_table(monkeypatch):
    """A copy of the real table to register into, so a test cannot change the real one."""
    monkeypatch.setattr(handlers, "HANDLERS", dict(handlers.HANDLERS))
    monkeypatch.setattr(handlers, "SUBSCRIBERS", [])


def test_the_routing_table_lists_exactly_the_routes_the_apps_declare():
    assert [(r.document_type, r.kind, r.handler) for r in handlers.routing_table()] == ROUTES
    assert str(handlers.routing_table()[1]).split() == [
        "OrderResponse",
        "purchase_order",
        "orders.purchase.services.on_order_response",
    ]


def test_the_unrouted_types_are_listed():
    assert handlers.unrouted() == UNROUTED


def test_manage_py_routes_prints_both():
    out = StringIO()
    call_command("routes", stdout=out)
    routes, unrouted = out.getvalue().split("No route (stored as failed, with the reason):")
    assert [line.split() for line in routes.strip().splitlines()] == [[*t.split(), k, h] for t, k, h in ROUTES]
    assert [line.split() for line in unrouted.strip().splitlines()] == [[*t.split(), k] for t, k in UNROUTED]


def test_the_most_specific_route_wins(own_table):
    def family(inbox, identified):
        pass

    handlers.route("StatusMessage", Kind.PURCHASE_ORDER, family)
    # The route runs orders.bounds' check first, then the function it names.
    assert inspect.unwrap(handlers.handler_for("StatusMessage Delivered", "purchase_order")) is purchase.on_delivered
    assert handlers.handler_for("StatusMessage Received", "purchase_order") is family
    assert handlers.handler_for("StatusMessage Received", "sales_order") is None


def test_an_unrouted_message_is_refused_with_a_code_and_no_subscriber_sees_it(own_table):
    seen = []
    handlers.subscribe(lambda inbox, identified: seen.append(identified.document_type))
    message = SimpleNamespace(pk=1, integration=SimpleNamespace(kind="purchase_order"))
    received = handlers.Identified("StatusMessage Received", "PO-1", "V-100", None)
    with pytest.raises(handlers.NoRoute) as refused:
        handlers.handle(message, received)
    assert refused.value.code == "no_route" and refused.value.document_type == "StatusMessage Received"
    assert "OrderResponse, StatusMessage Delivered" in str(refused.value)
    assert seen == []


def test_a_routed_message_is_reported_as_handled(own_table):
    applied = []
    handlers.HANDLERS.clear()
    handlers.route("OrderResponse", Kind.PURCHASE_ORDER, lambda inbox, identified: applied.append(identified.key))
    message = SimpleNamespace(pk=1, integration=SimpleNamespace(kind="purchase_order"))
    handlers.handle(message, handlers.Identified("OrderResponse", "PO-1", "V-100", None))
    assert applied == ["PO-1"]


def test_a_second_route_for_the_same_type_and_kind_stops_the_startup(own_table):
    with pytest.raises(ImproperlyConfigured, match="routed twice") as refused:
        apps.get_app_config("orders").ready()  # as if a second app declared the same routes
    assert "orders.purchase.services.on_order_response" in str(refused.value)
    with pytest.raises(ImproperlyConfigured, match="'ASN' on asn is routed twice"):
        handlers.route("ASN", Kind.ASN, purchase.on_delivered)
    assert handlers.handler_for("ASN", "asn").__qualname__ == "on_asn"  # the first stays


def test_a_route_for_a_kind_or_type_that_does_not_exist_is_refused(own_table):
    with pytest.raises(ImproperlyConfigured, match="not an integration kind"):
        handlers.route("OrderResponse", "purchase", purchase.on_order_response)
    with pytest.raises(ImproperlyConfigured, match="no such message arrives"):
        handlers.route("OrderRespons", Kind.PURCHASE_ORDER, purchase.on_order_response)
    with pytest.raises(ImproperlyConfigured, match="no such message arrives"):
        handlers.route("OrderResponse", Kind.ASN, purchase.on_order_response)


def test_the_gateway_is_wired_in_its_own_ready():
    assert [queues.publish] == handlers.SUBSCRIBERS
    assert [queues.pass_accepted] == purchase.AFTER_ACCEPTANCE
    with pytest.raises(ImproperlyConfigured, match="twice"):
        purchase.after_acceptance(queues.pass_accepted)
    with pytest.raises(ImproperlyConfigured, match="twice"):
        handlers.subscribe(queues.publish)


def test_the_engine_hooks_are_wired_in_ready_and_refused_twice():
    from exchange import outbox, tasks, webhooks
    from mappings import services as mapping_services
    from shipments import outgoing

    assert [outbox.release_blocked] == mapping_services.MAPPING_SAVED
    assert [webhooks.redrive_stored, outgoing.process_stale] == tasks.EVERY_TICK
    with pytest.raises(ImproperlyConfigured, match="release_blocked is registered twice after a mapping is saved"):
        mapping_services.on_mapping_saved(outbox.release_blocked)
    with pytest.raises(ImproperlyConfigured, match="process_stale is registered twice for every tick"):
        tasks.every_tick(outgoing.process_stale)


@pytest.fixture
def pending_confirmation(network, buyer, purchaser):
    """A purchase order the supplier confirmed with a smaller quantity and a later date."""
    purchase.purchase_order_create(integration=buyer, document=demo.sample_order("W-1"), user=purchaser)
    send_all()
    party.supplier_confirm(
        JakamoOrder.objects.get(order_number="W-1"),
        {"1": party.LineChange(quantity=Decimal(80), promised_date=date.today() + timedelta(days=60))},
    )
    inbox.sync(buyer.pk)
    confirmation = Confirmation.objects.get(order__order_number="W-1")
    assert confirmation.decision == Confirmation.Decision.PENDING
    return confirmation


def test_accepting_a_confirmation_puts_it_in_a_decided_clients_queue(pending_confirmation, buyer, purchaser):
    decided, _ = gateway_services.client_create(name="ERP decided", integration=buyer, passes=Passes.DECIDED)
    everything, _ = gateway_services.client_create(name="ERP everything", integration=buyer)
    assert not GatewayMessage.objects.filter(client=decided).exists()
    purchase.confirmation_accept(confirmation=pending_confirmation, user=purchaser)
    queued = GatewayMessage.objects.get(client=decided)
    assert (queued.document_type, queued.document_key, queued.confirmation) == (
        "OrderResponse",
        "W-1",
        pending_confirmation,
    )
    assert bool(queued.confirm_token)
    assert not GatewayMessage.objects.filter(client=everything).exists()  # it only reads what arrives


def test_a_failing_acceptance_callback_undoes_the_acceptance(pending_confirmation, purchaser, monkeypatch):
    def broken(confirmation):
        raise RuntimeError("the gateway is down")

    monkeypatch.setattr(purchase, "AFTER_ACCEPTANCE", [*purchase.AFTER_ACCEPTANCE, broken])
    with pytest.raises(RuntimeError):
        purchase.confirmation_accept(confirmation=pending_confirmation, user=purchaser)
    pending_confirmation.refresh_from_db()
    assert pending_confirmation.decision == Confirmation.Decision.PENDING
    assert not pending_confirmation.decisions.exists()
