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
        buyer_party_id="NORDIC" if kind == "purchase_order" else "",
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
        name="PO",
        defaults={
            "kind": "purchase_order",
            "environment": "custom",
            "base_url": "http://127.0.0.1:9/x",
            "buyer_party_id": "NORDIC",
        },
    )
    if created:
        map_buyer(integration, purchaser)
    return integration


def acknowledged_message(integration, body: bytes, **fields) -> InboxMessage:
    """An inbox message as the drain leaves it: stored and acknowledged at Jakamo, not yet applied,
    with a Jakamo-Confirm-Url. ``fields`` add to or replace these."""
    return InboxMessage.objects.create(
        **{
            "integration": integration,
            "body": body,
            "content_type": "application/xml",
            "content_hash": hashlib.sha256(body).hexdigest(),
            "acknowledge_uri": f"http://x/ack/{uuid.uuid4()}",
            "confirm_url": f"http://127.0.0.1:9/confirm/{uuid.uuid4()}",
            "status": "acknowledged",
            **fields,
        }
    )


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
    inbox = acknowledged_message(integration, body, document_type="OrderResponse", document_key=number)
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


# ---------------------------------------------------------------- documents changed in place
def put_text(xml: bytes, path: str, value: str, *, under: str = "") -> bytes:
    """``xml`` with ``value`` at ``path`` (local names, "/"-separated; a last "@name" is an
    attribute), below the first ``under`` element (e.g. "OrderLine") or the root. Missing elements
    are made, in their parent's namespace: the reader goes by local names."""
    from lxml import etree

    root = etree.fromstring(xml)
    node = root
    if under:
        node = next(el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == under)
    *names, last = path.split("/")
    for name in names + ([] if last.startswith("@") else [last]):
        child = next(
            (c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == name),
            None,
        )
        if child is None:
            namespace = etree.QName(node).namespace
            child = etree.SubElement(node, f"{{{namespace}}}{name}" if namespace else name)
        node = child
    if last.startswith("@"):
        node.set(last[1:], value)
    else:
        node.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ---------------------------------------------------------------- a worker that dies
def sync_in_a_dying_process(integration, function: str, *, on_call: int, record_only: bool = True) -> int:
    """Run a sync in another process that SIGKILLs itself (no cleanup at all) on call ``on_call`` of
    ``exchange.inbox.<function>``, then let its lease run out. With ``record_only`` every message is
    only recorded (no business handler), as in tests/exchange; otherwise the apps' handlers apply it.
    Returns the process's exit code (-9)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from exchange.models import SyncState

    url, record = _child_database_url(connection), _record_only_code(record_only)
    script = (
        "import os, signal, django; django.setup()\n"
        "from exchange import handlers, inbox\n"
        f"{record}"
        f"real = inbox.{function}; seen = []\n"
        "def dying(*args, **kwargs):\n"
        "    seen.append(1)\n"
        f"    if len(seen) == {on_call}: os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(*args, **kwargs)\n"
        f"inbox.{function} = dying\n"
        f"inbox.sync({integration.pk})\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jakamo_portal.settings"}
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, timeout=60)
    SyncState.objects.filter(integration=integration).update(lease_until=None)  # as if the lease ran out
    return result.returncode


def record_only_routes() -> dict:
    """A routing table that sends every type that can arrive on each kind to a function that does
    nothing: the engine alone, recording each message with its type and key (a type with no route
    at all would fail, as it does in production)."""
    from exchange import handlers

    def record_only(inbox, identified):
        pass

    return {(t, kind): record_only for kind, types in handlers.IDENTIFIABLE.items() for t in types}


# ---------------------------------------------------------------- make demo's data
def demo_loaded(live_url: str):
    """What `make demo` loads, with the portal's integrations pointing at the live server's sandbox,
    and the queues drained as the task cluster would (each page then shows the demo's states)."""
    from django.core.management import call_command

    call_command("demo_setup", base_url=f"{live_url}/sandbox/jakamo")
    for integration in Integration.objects.exclude(kind="shiphero"):
        assert inbox.sync(integration.pk).status == "done"


# ---------------------------------------------------------------- Jakamo webhooks (pushes)
def connect_webhook(server_url: str, integration, jakamo_integration, *, oauth: bool = False, remove: bool = True):
    """Set up ``integration``'s webhook in the portal and enter it in the sandbox's webhook form
    (``jakamo_integration``), as an admin would in Jakamo: payload URL, Basic or OAuth2, and
    "Remove entry from queue on success". Returns the portal's generated credentials."""
    from django.urls import reverse

    from exchange import webhooks
    from sandbox import push

    credentials = webhooks.generate_credentials(integration)
    push.configure(
        jakamo_integration,
        server_url + reverse("jakamo_webhook", args=[integration.pk]),
        auth="oauth2" if oauth else "basic",
        username=credentials.username,
        password=credentials.password,
        token_url=server_url + reverse("jakamo_webhook_token"),
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        remove_on_success=remove,
    )
    return credentials


def apply_in_a_dying_process(integration, *, record_only: bool = True) -> int:
    """Run the apply task of pushed messages in another process that SIGKILLs itself (no cleanup at
    all) as it starts applying its first message, after the push was answered: a worker killed
    after the 200. Then let its lease run out. Returns the exit code (-9)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from exchange.models import SyncState

    url, record = _child_database_url(connection), _record_only_code(record_only)
    script = (
        "import os, signal, django; django.setup()\n"
        "from exchange import handlers, inbox, tasks\n"
        f"{record}"
        "def dying(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "inbox.process = dying\n"
        f"tasks.apply_pushed({integration.pk})\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jakamo_portal.settings"}
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, timeout=60)
    SyncState.objects.filter(integration=integration).update(lease_until=None)  # as if the lease ran out
    return result.returncode


def _child_database_url(connection) -> str:
    """The test database as a DATABASE_URL, for a child process of a test."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _record_only_code(record_only: bool) -> str:
    """Code for a child process: every inbound type recorded, applied to nothing."""
    if not record_only:
        return ""
    return (
        "handlers.HANDLERS.clear()\n"
        "handlers.HANDLERS.update({(t, k): lambda *a: None for k, ts in handlers.IDENTIFIABLE.items() for t in ts})\n"
    )


def enqueued_order(integration, number: str = "O-1", *, mapped: bool = False, **kwargs) -> OutboxMessage:
    """An Order waiting in the outbox (demo.sample_order with ``kwargs``), with its supplier and
    buyer contact mapped when ``mapped``; otherwise it waits as blocked on them."""
    from mappings.models import CompanyMapping, UserMapping

    doc = demo.sample_order(number, **kwargs)
    if mapped:
        CompanyMapping.objects.get_or_create(
            integration=integration, identifier=doc.vendor_id, defaults={"company_name": "Test Supplier Ltd."}
        )
        UserMapping.objects.get_or_create(integration=integration, identifier=doc.buyer_contact_id)
    return outbox.enqueue(
        integration=integration,
        operation=OutboxMessage.Operation.ORDER,
        document_type="Order",
        document_key=number,
        partner=doc.vendor_id,
        body=build_order_document(doc),
        repeat_safe=True,
        required_mappings={"companies": [doc.vendor_id], "users": [doc.buyer_contact_id]},
    )
