"""Plain helpers the tests share, each written once: portal users, clients and integrations for the
sandbox, the mappings a buyer's and a supplier's integration need, orders placed through the
services, the outbox drained against the sandbox. The fixtures built on them are in conftest.py."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.test import TestCase
from django.urls import reverse

from common import roles
from exchange import inbox, outbox
from exchange.models import InboxMessage, OutboxMessage
from jakamo import shiphero, ubl
from jakamo.client import BasicAuth, ClientConfig, JakamoClient, OAuth2ClientCredentials
from jakamo.ubl_build import build_order_document
from mappings import services as mapping_services
from mappings.models import Integration, PartnerRole
from orders.models import OrderStatus, PurchaseOrder
from orders.purchase import services as purchase_services
from sandbox import demo, party
from sandbox import services as sandbox_services
from sandbox.models import Order as JakamoOrder
from sandbox.services import response_from_order

PASSWORD = "pw-for-tests-1"
# The date the customer in customer_orders asks for.
SOON = date.today() + timedelta(days=20)


# ---------------------------------------------------------------- people
def portal_user(username: str, role: str | None) -> User:
    roles.ensure_roles()
    user = User.objects.create_user(username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


# ---------------------------------------------------------------- Jakamo (the sandbox) and integrations
def make_client(base_url: str, creds, *, oauth: bool = False, read_timeout: float = 5.0) -> JakamoClient:
    if oauth:
        auth = OAuth2ClientCredentials(
            f"{base_url}/oauth2/token", creds.client_id, creds.client_secret, "sandbox/.default"
        )
    else:
        auth = BasicAuth(creds.username, creds.password)
    return JakamoClient(ClientConfig(base_url=base_url, auth=auth, connect_timeout=2.0, read_timeout=read_timeout))


def portal_integration(base_url: str, creds, kind: str, name: str) -> Integration:
    return Integration.objects.create(
        name=name,
        kind=kind,
        environment="custom",
        base_url=base_url,
        username=creds.username,
        password=creds.password,
        poll_interval=60,
    )


def map_buyer(integration, purchaser):
    """The buyer's mappings for demo.sample_order: supplier V-100 and the purchaser as contact bertha."""
    mapping_services.save_company_mapping(
        integration=integration, identifier="V-100", company_name="Test Supplier Ltd."
    )
    mapping_services.save_user_mapping(integration=integration, identifier="bertha", portal_user=purchaser)
    return integration


def map_supplier(integration, seller):
    """The supplier's mappings: customer C-100 (the sandbox's Customer Company AB) and the seller as
    contact sam, the DefaultUser."""
    mapping_services.save_company_mapping(
        integration=integration, identifier="C-100", company_name="Customer Company AB", role=PartnerRole.CUSTOMER
    )
    mapping_services.save_user_mapping(integration=integration, identifier="sam", portal_user=seller, is_default=True)
    return integration


# ---------------------------------------------------------------- orders, through the services
def order_xml(number: str, **kwargs) -> bytes:
    """demo.sample_order ``number`` (``kwargs`` change it) as the Order XML an ERP sends."""
    return build_order_document(demo.sample_order(number, **kwargs))


def send_all():
    """What the task cluster does: send every pending or retrying outgoing message now, oldest
    first as the dispatcher does (the model's own ordering is newest first)."""
    for row in OutboxMessage.objects.filter(status__in=["pending", "retry"]).order_by("id"):
        outbox.send(row.pk)


def placed(buyer, purchaser, number: str = "PO-1", lines: int = 2) -> PurchaseOrder:
    """Purchase order ``number`` (demo.sample_order) created by the purchaser and sent to Jakamo."""
    order = purchase_services.purchase_order_create(
        integration=buyer, document=demo.sample_order(number, lines=lines), user=purchaser
    )
    send_all()
    assert OutboxMessage.objects.get(document_key=number, document_type="Order").status == "sent"
    return order


def placed_and_confirmed(buyer, purchaser, number: str = "PO-1", lines: int = 2) -> PurchaseOrder:
    """``placed``, then confirmed as ordered by the supplier and synced: the order is Confirmed."""
    order = placed(buyer, purchaser, number, lines)
    party.supplier_confirm(JakamoOrder.objects.get(order_number=number))
    inbox.sync(buyer.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    return order


def customer_orders(network, number: str = "C-1", *, sellers_item_ids: tuple[str, str] = ("", "")):
    """The customer places order ``number`` at the sandbox: 50 Bearings and 10 Shafts, wanted SOON
    (with our item ids for them, where given)."""
    bearing, shaft = sellers_item_ids
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number=number,
        lines=[
            party.CustomerLine("Bearing", Decimal(50), Decimal("4.20"), SOON, sellers_item_id=bearing),
            party.CustomerLine("Shaft", Decimal(10), Decimal(31), SOON, sellers_item_id=shaft),
        ],
    )


def buyer_integration(purchaser=None) -> Integration:
    """A purchase order integration with the buyer's mappings whose Jakamo is out of reach
    (nothing is sent): for tests of pages and intake. One per test database, however often called."""
    integration, created = Integration.objects.get_or_create(
        name="PO", defaults={"kind": "purchase_order", "environment": "custom", "base_url": "http://127.0.0.1:9/x"}
    )
    if created:
        map_buyer(integration, purchaser)
    return integration


def order_with_confirmation(number: str, purchaser=None, *, price: Decimal | None = Decimal("13"), lines: int = 2):
    """Purchase order ``number`` and the supplier's confirmation of it, made through the services
    (no HTTP): confirmed with a changed price on the last line, or as ordered when ``price`` is None."""
    integration = buyer_integration(purchaser)
    order = purchase_services.purchase_order_create(
        integration=integration, document=demo.sample_order(number, lines=lines), user=purchaser
    )
    response = response_from_order(purchase_services.order_document(order), status=ubl.CONFIRMED)
    if price is not None:
        response.lines[-1].price = ubl.Price(ubl.Amount(price * 10, "EUR"), ubl.Quantity(Decimal(10), "PCE"))
        response.lines[-1].line_status_code = ubl.CONFIRMED_WITH_CHANGES
    body = build_order_document(response)
    inbox = InboxMessage.objects.create(
        integration=integration,
        body=body,
        content_type="application/xml",
        content_hash=hashlib.sha256(body).hexdigest(),
        acknowledge_uri=f"http://x/ack/{uuid.uuid4()}",
        confirm_url=f"http://127.0.0.1:9/confirm/{uuid.uuid4()}",
        status="acknowledged",
        document_type="OrderResponse",
        document_key=number,
    )
    confirmation = purchase_services.confirmation_record(inbox=inbox, response=response)
    order.refresh_from_db()
    return order, confirmation


def queue_confirmations(network, count: int, prefix: str = "D") -> list[str]:
    """``count`` OrderResponses waiting in the sandbox PO queue, in order."""
    numbers = []
    for n in range(count):
        number = f"{prefix}-{n:04d}"
        order = sandbox_services.receive_po_document(network["po"], order_xml(number, lines=1))
        party.supplier_confirm(order)
        numbers.append(number)
    return numbers


# ---------------------------------------------------------------- ShipHero
SHIPHERO_SECRET = "s3cret-shared-with-shiphero"


def post_shiphero(
    client, endpoint, payload, *, secret=SHIPHERO_SECRET, message_id="msg-1", raw: bytes | None = None, **headers
):
    """ShipHero's call of ``endpoint`` with ``payload`` as JSON (or the bytes ``raw``), signed with ``secret``."""
    body = raw if raw is not None else json.dumps(payload).encode()
    # The test's transaction never commits; run the on-commit hooks (queueing the task) as a commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("shiphero_webhook", args=[endpoint.pk]),
            data=body,
            content_type="application/json",
            HTTP_X_SHIPHERO_HMAC_SHA256=shiphero.sign(body, secret),
            HTTP_X_SHIPHERO_MESSAGE_ID=message_id,
            **headers,
        )
