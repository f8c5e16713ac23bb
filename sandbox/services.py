"""The simulated Jakamo: queues, acknowledgements, document intake and fault injection. The party
actions (the other company's moves) are in ``sandbox.party``."""

from __future__ import annotations

import collections
import copy
import random
import secrets
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common.jakamo_face import Basic, Bearer
from jakamo import status as jstatus
from jakamo import ubl
from jakamo.errors import DocumentError
from jakamo.status import parse_status_message
from jakamo.ubl_build import build_order_document
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import local, parse_xml

from . import jakamo_rules as rules
from . import push
from .jakamo_rules import Refusal
from .models import (
    AccessToken,
    Api,
    CompanyMapping,
    Fault,
    Integration,
    Message,
    Order,
    OrderStatus,
    UserMapping,
)

MALFORMED_BODY = '<?xml version="1.0"?><OrderResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"><cbc:ID>broken'


# -- authentication ---------------------------------------------------------------------------
def authenticate(credentials: Basic | Bearer | None) -> Integration | None:
    """Basic auth (username/password of an integration) or a Bearer token from /oauth2/token, as
    ``common.jakamo_face.read_authorization`` read them from the Authorization header."""
    if isinstance(credentials, Basic):
        integration = Integration.objects.filter(username=credentials.username).first()
        if integration and integration.check_password(credentials.password):
            return integration
        return None
    if isinstance(credentials, Bearer):
        token = (
            AccessToken.objects.select_related("integration")
            .filter(token=credentials.token, expires_at__gt=timezone.now())
            .first()
        )
        return token.integration if token else None
    return None


def issue_token(client_id: str, client_secret: str) -> tuple[str, int] | None:
    integration = Integration.objects.filter(client_id=client_id).first()
    if integration is None or not integration.check_client_secret(client_secret):
        return None
    lifetime = settings.SANDBOX_TOKEN_SECONDS
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        integration=integration, token=token, expires_at=timezone.now() + timedelta(seconds=lifetime)
    )
    return token, lifetime


def mapped_companies(integration: Integration) -> list[dict[str, str]]:
    """The integration's company mappings as Jakamo's "Mapped companies" lists them."""
    return [
        {"CompanyName": m.company, "MappedId": m.identifier}
        for m in CompanyMapping.objects.filter(integration=integration).order_by("identifier")
    ]


# -- faults -----------------------------------------------------------------------------------
def take_fault(integration: Integration | None, kinds: tuple[str, ...]) -> str | None:
    """Claim one pending fault of the given kinds for this integration (or a global one)."""
    fault = claim_fault(integration, kinds)
    return fault.kind if fault else None


def claim_fault(integration: Integration | None, kinds: tuple[str, ...]) -> Fault | None:
    """``take_fault``, returning the fault itself (for what it says to answer, e.g. Retry-After)."""
    if not _faults_armed():
        return None
    candidates = Fault.objects.filter(kind__in=kinds, remaining__gt=0)
    if integration is not None:
        candidates = candidates.filter(models_q_integration(integration))
    else:
        candidates = candidates.filter(integration__isnull=True)
    for fault in candidates.order_by("id"):
        if fault.probability is not None and random.random() >= fault.probability:
            continue
        if Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
            Fault.objects.filter(pk=fault.pk, remaining=0).delete()
            return fault
    return None


def _faults_armed() -> bool:
    # One cheap query on the hot path; almost always there are no faults at all.
    return Fault.objects.filter(remaining__gt=0).exists()


def models_q_integration(integration):
    from django.db.models import Q

    return Q(integration=integration) | Q(integration__isnull=True)


def add_fault(
    kind: str,
    count: int = 1,
    integration: Integration | None = None,
    probability: float | None = None,
    retry_after: str = "",
) -> Fault:
    """The next ``count`` matching requests misbehave; with ``probability``, each matching request
    misbehaves with that chance, at most ``count`` times (the chaos runs)."""
    if kind not in Fault.Kind.values:
        raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(Fault.Kind.values)}")
    if probability is not None and not 0 < probability <= 1:
        raise ValueError("probability is between 0 and 1")
    return Fault.objects.create(
        kind=kind, remaining=count, integration=integration, probability=probability, retry_after=retry_after
    )


# -- queues -----------------------------------------------------------------------------------
def enqueue(
    integration: Integration,
    document_type: str,
    body: str,
    *,
    order: Order | None = None,
    confirmable: bool = False,
    content_type: str = "application/xml",
    priority: int = 0,
) -> Message:
    message = Message.objects.create(
        priority=priority,
        integration=integration,
        document_type=document_type,
        body=body,
        content_type=content_type,
        order=order,
        order_number=order.order_number if order else "",
        confirm_token=uuid.uuid4() if confirmable else None,
    )
    push.on_queued(message)  # Jakamo's webhook, where the integration has one
    return message


def pending(integration: Integration):
    return Message.objects.filter(integration=integration, acknowledged_at__isnull=True).order_by("-priority", "id")


def next_message(integration: Integration) -> Message | None:
    if take_fault(integration, (Fault.Kind.MALFORMED,)):
        # A real queue entry with a broken body, so clearing it works like any other; it stands at
        # the head of the queue until cleared.
        enqueue(integration, "Malformed", MALFORMED_BODY, priority=1)
    return pending(integration).first()


def acknowledge(token: str, integration: Integration | None = None) -> bool:
    """Clear a message of ``integration``'s queue. Returns False for an unknown token, and for another
    integration's message: as in the gateway, no credentials clear a queue they cannot read.
    Clearing twice is harmless."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        return False
    messages = Message.objects.filter(ack_token=token_uuid)
    if integration is not None:
        messages = messages.filter(integration=integration)
    message = messages.select_related("integration").first()
    if message is None:
        return False
    if take_fault(message.integration, (Fault.Kind.DROP_ACK,)):
        return True
    with transaction.atomic():
        cleared = Message.objects.filter(pk=message.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        if cleared and take_fault(message.integration, (Fault.Kind.REPEAT,)):
            # Jakamo delivering a message again after it was cleared: same body, new ack URI.
            enqueue(
                message.integration,
                message.document_type,
                message.body,
                order=message.order,
                confirmable=message.confirm_token is not None,
                content_type=message.content_type,
            )
    return True


# -- helpers ----------------------------------------------------------------------------------
def integration_for(company: str, api: str) -> Integration | None:
    return Integration.objects.filter(company=company, api=api).order_by("id").first()


def requested_doc(order: Order) -> ubl.OrderDocument:
    return parse_order_document(order.requested_xml)


def confirmed_doc(order: Order) -> ubl.OrderDocument | None:
    return parse_order_document(order.confirmed_xml) if order.confirmed_xml else None


# The documents last read whole, by their text: each step of a big order reads its two documents
# again (a Received status does, twice for two statuses), a quarter of a second each at 5,000
# lines. Shared between requests, so only for readers that change nothing (see read_kept); a few,
# as each holds a whole order in memory. Only what the parser read is kept, never a document as
# built: that one may hold values as given (10.5000) where a reading has them as written (10.5).
_KEPT: collections.OrderedDict[str, ubl.OrderDocument] = collections.OrderedDict()
_KEPT_MAX = 2
_KEPT_LOCK = threading.Lock()


def read_kept(xml: str) -> ubl.OrderDocument:
    """``xml`` parsed, or the document kept for it: the same object for every caller, to read and
    never to change (a requested document the buyer's acceptance rewrites is parsed afresh)."""
    with _KEPT_LOCK:
        doc = _KEPT.get(xml)
        if doc is not None:
            _KEPT.move_to_end(xml)
            return doc
    doc = parse_order_document(xml)
    with _KEPT_LOCK:
        _KEPT[xml] = doc
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return doc


def _sellers_compare(order: Order) -> bool:
    return bool(order.buyer_integration and order.buyer_integration.compare_sellers_item_id)


def refresh_status(
    order: Order,
    actor: str = "supplier",
    *,
    requested: ubl.OrderDocument | None = None,
    confirmed: ubl.OrderDocument | None = None,
):
    """Recompute the status Jakamo would show from requested, confirmed and received state;
    ``actor`` is who changed the order last (buyer or supplier). ``requested`` and ``confirmed``:
    the documents the order's XML holds, where the caller has them already (parsing a 5,000-line
    document again costs a quarter of a second)."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RECEIVED):
        return
    requested = requested or requested_doc(order)
    if all(rules.line_is_cancelled(line) for line in requested.lines):
        order.status = OrderStatus.CANCELLED
        return
    confirmed = confirmed or confirmed_doc(order)
    receiving = rules.receiving_status(requested, order.state, confirmed)
    if receiving:
        order.status = receiving
        return
    if confirmed is None:
        order.status = OrderStatus.WAITING_SUPPLIER
        return
    order.status = rules.confirmation_status(
        requested, confirmed, compare_sellers_item_id=_sellers_compare(order), actor=actor
    )


# -- PO API: the buyer's documents ------------------------------------------------------------
def receive_po_document(integration: Integration, body: bytes) -> Order:
    """POST /api/order (Order or OrderChange) from a buyer's PO integration."""
    root = parse_xml(body)
    kind = local(root.tag)
    if kind not in (ubl.ORDER, ubl.ORDER_CHANGE):
        raise Refusal("message_required", "Either Order-, OrderChange- or Status-message is required to")
    try:
        doc = parse_order_document(root, kinds=(ubl.ORDER, ubl.ORDER_CHANGE))
    except DocumentError:
        raise Refusal("incorrect_order_data") from None
    if not doc.id:
        raise Refusal("incorrect_order_data")
    rules.check_order(doc, new=kind == ubl.ORDER)
    vendor = CompanyMapping.objects.filter(integration=integration, identifier=doc.vendor_id or "").first()
    if vendor is None:
        raise Refusal("no_vendor_mapping")
    if not UserMapping.objects.filter(integration=integration, identifier=doc.buyer_contact_id or "").exists():
        raise Refusal("no_buyer_contact")
    supplier_so = integration_for(vendor.company, Api.SALES_ORDER)
    if (
        supplier_so is not None
        and not CompanyMapping.objects.filter(integration=supplier_so, company=integration.company).exists()
    ):
        raise Refusal("no_partner_mapping")

    with transaction.atomic():
        existing = (
            Order.objects.select_for_update().filter(buyer_company=integration.company, order_number=doc.id).first()
        )
        if kind == ubl.ORDER:
            if existing is not None:
                raise Refusal("order_exists")
            if any(line.quantity is not None and line.quantity.value <= 0 for line in doc.lines):
                raise Refusal("incorrect_order_data")
            order = Order.objects.create(
                buyer_company=integration.company,
                supplier_company=vendor.company,
                order_number=doc.id,
                buyer_integration=integration,
                supplier_integration=supplier_so,
                requested_xml=body.decode("utf-8", "replace"),
                state={line.id: {"status": None, "batches": {}} for line in doc.lines},
            )
        else:
            if existing is None:
                raise Refusal("cannot_find_order")
            if existing.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
                raise Refusal("cannot_reopen")
            order = existing
            order.requested_xml = body.decode("utf-8", "replace")
            for line in doc.lines:
                order.state.setdefault(line.id, {"status": None, "batches": {}})
            # UBL: a line left out of an OrderChange is cancelled (PO document 6.8.2 C).
            present = {line.id for line in doc.lines}
            for line_id, line_state in order.state.items():
                if line_id not in present:
                    line_state["status"] = ubl.CANCELLED
            # A line cancelled in the OrderChange (LineStatusCode, or quantity 0: 6.8.2 B) is cancelled.
            for line in doc.lines:
                if rules.line_is_cancelled(line):
                    order.state[line.id]["status"] = ubl.CANCELLED
            relabel_receiving(order, doc)
        refresh_status(order, actor="buyer", requested=doc)
        # A new order's document was just written; a revision's answer is left as it was.
        changed = ["requested_xml", "state"] if kind != ubl.ORDER else []
        order.save(update_fields=[*changed, "status", "updated_at"])
        if supplier_so is not None and (kind == ubl.ORDER or supplier_so.pass_order_changes):
            enqueue(supplier_so, kind, order.requested_xml, order=order, confirmable=True)
    return order


def receive_po_status(integration: Integration, order_id: str, body: bytes) -> Order:
    """PUT /api/order/{id}: StatusMessage Cancelled or Received from the buyer."""
    root = parse_xml(body)
    kind = local(root.tag)
    if kind in (ubl.ORDER, ubl.ORDER_CHANGE):  # the 2018 document revises orders with PUT
        return receive_po_document(integration, body)
    if kind != "StatusMessage":
        raise Refusal("message_required", "Either Order-, OrderChange- or Status-message is required to")
    try:
        msg = parse_status_message(root)
    except DocumentError:
        raise Refusal("incorrect_order_data") from None
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(buyer_company=integration.company, order_number=msg.order_id or order_id)
            .first()
        )
        if order is None:
            raise Refusal("cannot_find_order")
        if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise Refusal("cannot_reopen")
        if msg.status == jstatus.CANCELLED:
            order.status = OrderStatus.CANCELLED
            # Every line of a cancelled order is cancelled too (what its lines show in Jakamo).
            for line in requested_doc(order).lines:
                order.state.setdefault(line.id, {"status": None, "batches": {}})["status"] = ubl.CANCELLED
            order.save()
            if order.supplier_integration:
                enqueue(order.supplier_integration, "StatusMessage", body.decode("utf-8", "replace"), order=order)
            return order
        if msg.status != jstatus.RECEIVED:
            raise Refusal("incorrect_order_data")
        requested, confirmed = apply_received(order, msg)
        refresh_status(order, requested=requested, confirmed=confirmed)
        # Not the two documents, unchanged (megabytes each on a big order).
        order.save(update_fields=["state", "status", "updated_at"])
    return order


def apply_received(order: Order, msg: jstatus.StatusMessage) -> tuple[ubl.OrderDocument, ubl.OrderDocument | None]:
    """Record the received quantities; returns the requested and confirmed documents it read (kept:
    to read only)."""
    requested = read_kept(order.requested_xml)
    confirmed = read_kept(order.confirmed_xml) if order.confirmed_xml else None
    event = (msg.event_date or date.today()).isoformat()
    lines = msg.lines or [jstatus.LineStatus(line.id) for line in requested.lines]
    requested_lines, confirmed_lines = rules.lines_by_id(requested), rules.lines_by_id(confirmed)
    for line_msg in lines:
        req_line = requested_lines.get(line_msg.order_line_id)
        if req_line is None:
            raise Refusal("incorrect_order_data")
        line_state = order.state.setdefault(req_line.id, {"status": None, "batches": {}})
        targets = rules.batch_targets(req_line, confirmed_lines.get(req_line.id))
        batches = line_state.setdefault("batches", {})
        if not line_msg.deliveries:
            for batch_id, target in targets.items():
                batches[batch_id] = {"received": str(target), "received_date": event}
            line_state["status"] = ubl.RECEIVED
            continue
        for d in line_msg.deliveries:
            if d.delivery_id not in targets:
                raise Refusal("incorrect_order_data")
            batch = batches.setdefault(d.delivery_id, {"received": "0"})
            if d.received_quantity is None:
                batch["received"] = str(targets[d.delivery_id])
            else:
                batch["received"] = str(Decimal(batch.get("received", "0")) + d.received_quantity)
            batch["received_date"] = d.received_date.isoformat() if d.received_date else event
        all_done = all(Decimal(batches.get(b, {}).get("received", "0")) >= t for b, t in targets.items())
        line_state["status"] = ubl.RECEIVED if all_done else ubl.STARTED_RECEIVING
    return requested, confirmed


def relabel_receiving(order: Order, requested: ubl.OrderDocument):
    """After the agreed quantities change (the buyer's OrderChange, an accepted confirmation), a
    line whose goods already came in full is Received."""
    for line in requested.lines:
        line_state = order.state.get(line.id) or {}
        if line_state.get("status") != ubl.STARTED_RECEIVING:
            continue
        batches = line_state.get("batches", {})
        targets = rules.batch_targets(line, None)
        if all(Decimal(batches.get(b, {}).get("received", "0")) >= t for b, t in targets.items()):
            line_state["status"] = ubl.RECEIVED


# -- simple confirmation ----------------------------------------------------------------------
def simple_confirm(token: str, integration: Integration, note: str = "", emphasize: bool | None = None) -> Order:
    """Confirm through a Jakamo-Confirm-Url. ``emphasize`` (EmphasizeOriginalAgreedDetails) None is
    "not given": the order's flag stays as it was."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        raise Refusal("cannot_find_order") from None
    message = Message.objects.filter(confirm_token=token_uuid).select_related("order").first()
    if message is None or message.order is None or message.integration_id != integration.pk:
        raise Refusal("cannot_find_order")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=message.order.pk)
        if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise Refusal("cannot_reopen")
        if integration.api == Api.PURCHASE_ORDER:
            # The buyer accepts the supplier's confirmed values: requested := confirmed.
            # The confirmed values are only read (the requested document takes them over).
            confirmed = read_kept(order.confirmed_xml) if order.confirmed_xml else None
            if confirmed is None:
                raise Refusal("cannot_find_order")
            requested = requested_doc(order)
            accept_confirmed_values(requested, confirmed)
            relabel_receiving(order, requested)
            order.requested_xml = build_order_document(requested).decode()
            if emphasize is not None:
                order.emphasize_original = emphasize
            known = {"requested": requested, "confirmed": confirmed}
            changed = ["requested_xml", "emphasize_original", "state"]
        else:
            # The supplier confirms the customer's order as requested.
            requested = requested_doc(order)
            response = response_from_order(requested, status=ubl.CONFIRMED)
            if note:
                response.notes = [note]
            order.confirmed_xml = build_order_document(response).decode()
            if order.buyer_integration:
                enqueue(order.buyer_integration, ubl.ORDER_RESPONSE, order.confirmed_xml, order=order, confirmable=True)
            known = {"requested": requested}
            changed = ["confirmed_xml"]
        refresh_status(order, **known)
        order.save(update_fields=[*changed, "status", "updated_at"])  # not the document left as it was
    return order


def accept_confirmed_values(requested: ubl.OrderDocument, confirmed: ubl.OrderDocument):
    """Set the requested values to the supplier's confirmed ones (what simple confirmation does)."""
    confirmed_lines = rules.lines_by_id(confirmed)
    for line in requested.lines:
        conf = confirmed_lines.get(line.id)
        if conf is None or conf.line_status_code in (ubl.OPEN, ubl.DRAFT):
            continue
        if conf.line_status_code == ubl.CANCELLED:
            line.line_status_code = ubl.CANCELLED
            continue
        line.quantity = conf.quantity or line.quantity
        if conf.price and conf.price.amount:
            line.price = conf.price
        template = line.deliveries[0] if line.deliveries else ubl.Delivery()
        line.deliveries = [
            ubl.Delivery(
                id=d.id,
                quantity=d.quantity,
                document_references=template.document_references,
                delivery_location=d.delivery_location or template.delivery_location,
                requested_end_date=d.promised_end_date or template.requested_end_date,
            )
            for d in conf.deliveries
        ] or line.deliveries
        if conf.item and conf.item.sellers_item_identification and line.item:
            line.item.sellers_item_identification = conf.item.sellers_item_identification
    requested.kind = ubl.ORDER_CHANGE


def response_from_order(doc: ubl.OrderDocument, *, status: str) -> ubl.OrderDocument:
    """An OrderResponse that confirms every line of ``doc`` exactly as requested."""
    lines = []
    for line in doc.lines:
        line_status = ubl.CANCELLED if rules.line_is_cancelled(line) else status
        deliveries = [
            ubl.Delivery(
                id=d.id,
                quantity=d.quantity,
                delivery_location=d.delivery_location,
                promised_start_date=d.requested_end_date,
                promised_end_date=d.requested_end_date,
                status="Open",
            )
            for d in line.deliveries
        ]
        lines.append(
            ubl.OrderLine(
                id=line.id,
                quantity=line.quantity,
                line_status_code=line_status,
                deliveries=deliveries,
                price=line.price,
                # A copy: the supplier's changes (its item id) must not change ``doc`` underneath.
                item=copy.copy(line.item),
            )
        )
    return ubl.OrderDocument(
        kind=ubl.ORDER_RESPONSE,
        id=str(uuid.uuid4().int)[:8],
        issue_date=date.today(),
        customization_id="1",
        document_currency_code=doc.document_currency_code,
        order_reference_id=doc.id,
        seller_supplier_party=doc.seller_supplier_party,
        buyer_customer_party=ubl.CustomerParty(doc.buyer_customer_party.party if doc.buyer_customer_party else None),
        lines=lines,
    )


# -- SO API: the supplier's documents ---------------------------------------------------------
def receive_order_response(integration: Integration, body: bytes) -> Order:
    """POST /api/orderresponse from a supplier's SO integration."""
    root = parse_xml(body)
    if local(root.tag) != ubl.ORDER_RESPONSE:
        raise Refusal("incorrect_order_response")
    try:
        doc = parse_order_document(root, kinds=(ubl.ORDER_RESPONSE,))
    except DocumentError:
        raise Refusal("incorrect_order_response") from None
    rules.check_order_response(doc)
    customer = CompanyMapping.objects.filter(integration=integration, identifier=doc.buyer_id or "").first()
    if customer is None:
        raise Refusal("no_customer_mapping")
    if not UserMapping.objects.filter(integration=integration, identifier=doc.seller_contact_id or "").exists():
        raise Refusal("seller_contact")
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(
                buyer_company=customer.company,
                order_number=doc.order_reference_id,
                supplier_company=integration.company,
            )
            .first()
        )
        if order is None:
            raise Refusal("cannot_find_order")
        if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise Refusal("cannot_reopen")
        order.confirmed_xml = body.decode("utf-8", "replace")
        refresh_status(order)
        order.save()
        if order.buyer_integration:
            enqueue(order.buyer_integration, ubl.ORDER_RESPONSE, order.confirmed_xml, order=order, confirmable=True)
    return order


def receive_so_status(integration: Integration, order_id: str, body: bytes) -> Order:
    """PUT /api/order/{id} on the SO side: StatusMessage Delivered."""
    root = parse_xml(body)
    if local(root.tag) != "StatusMessage":
        raise Refusal("incorrect_order_response")
    try:
        msg = parse_status_message(root)
    except DocumentError:
        raise Refusal("incorrect_order_response") from None
    if msg.status != jstatus.DELIVERED:
        raise Refusal("incorrect_order_response")
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(order_number=msg.order_id or order_id, supplier_company=integration.company)
            .first()
        )
        if order is None:
            raise Refusal("cannot_find_order")
        mark_delivered(order, msg)
        order.save()
        if order.buyer_integration:
            enqueue(order.buyer_integration, "StatusMessage", body.decode("utf-8", "replace"), order=order)
    return order


def mark_delivered(order: Order, msg: jstatus.StatusMessage):
    lines = msg.lines or [jstatus.LineStatus(line_id) for line_id in order.state]
    for line_msg in lines:
        line_state = order.state.setdefault(line_msg.order_line_id, {"status": None, "batches": {}})
        if not line_msg.deliveries:
            line_state["delivered"] = True
        if line_msg.delivered_quantity is not None:
            line_state["delivered_quantity"] = format(line_msg.delivered_quantity, "f")
        tracking = line_msg.tracking_number or msg.tracking_number
        if tracking:
            line_state["tracking_number"] = tracking
        for d in line_msg.deliveries:
            line_state.setdefault("batches", {}).setdefault(d.delivery_id, {"received": "0"})["delivered"] = True
