"""Plain helpers the tests share, each written once: portal users, clients and integrations for the
sandbox, the buyer's mappings, orders and confirmations made through the services, confirmations
waiting in the sandbox's queue. The fixtures built on them are in conftest.py."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

from django.contrib.auth.models import Group, User

from common import roles
from exchange.models import InboxMessage
from jakamo import ubl
from jakamo.client import BasicAuth, ClientConfig, JakamoClient, OAuth2ClientCredentials
from jakamo.ubl_build import build_order_document
from mappings import services as mapping_services
from mappings.models import Integration
from orders.purchase import services as purchase_services
from sandbox import demo, party
from sandbox import services as sandbox_services
from sandbox.services import response_from_order

PASSWORD = "pw-for-tests-1"


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


# ---------------------------------------------------------------- orders, through the services
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
        order = sandbox_services.receive_po_document(
            network["po"], build_order_document(demo.sample_order(number, lines=1))
        )
        party.supplier_confirm(order)
        numbers.append(number)
    return numbers
