"""What the gateway does for an ERP client: authenticate it, serve its queue, and take its
documents through the same validation, pre-flight and outbox as the portal's pages. Refusals are
raised as ``GatewayRefusal`` with Jakamo's own answer texts, so an ERP's error handling written for
Jakamo works unchanged; the portal's detail follows as further <error> lines."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from common.jakamo_face import Basic, Bearer
from jakamo import status as jstatus
from jakamo import ubl
from jakamo.errors import DocumentError
from jakamo.reasons import by_code
from jakamo.ubl_parse import parse_order_document
from jakamo.xmlsafe import local, parse_xml
from mappings.models import AuthMethod, Kind
from mappings.preflight import missing_mappings, required_for
from orders.models import Confirmation, PurchaseOrder, SalesOrder
from orders.purchase import intake
from orders.purchase import services as order_services
from orders.sales import services as sales

from .models import GatewayClient, GatewayMessage, GatewayToken

TOKEN_LIFETIME = timedelta(hours=1)


class GatewayRefusal(Exception):
    """An answer other than success: Jakamo's status code and text, and the portal's detail."""

    def __init__(self, code_or_text: str, *details: str, status: int = 400, text: str | None = None):
        try:
            self.text = text or by_code(code_or_text).text
        except KeyError:
            self.text = code_or_text
        self.details = [d for d in details if d and d != self.text]
        self.status = status
        super().__init__(self.text)


# The portal's refusal codes (common.errors.Refused) that have a Jakamo answer of their own; any
# other refusal answers with the caller's default (incorrect_order_data or incorrect_order_response).
JAKAMO_REASON_FOR = {
    "order_exists": "order_exists",
    "order_closed": "cannot_reopen",
    "transition_not_allowed": "cannot_reopen",
    "no_such_order": "cannot_find_order",
    "missing_quantity": "line_missing_quantity",
    "missing_price": "price_required",
    "missing_issue_date": "invalid_issue_date",
    "missing_vendor": "no_vendor_mapping",
    "missing_buyer_contact": "no_buyer_contact",
    "no_seller_contact": "seller_contact",
    "no_customer_mapping": "no_customer_mapping",
}


def refusal_from(exc: Refused, default: str) -> GatewayRefusal:
    """A service's refusal as Jakamo would answer it, the portal's sentence (in English) as detail:
    one <error> line per problem where the refusal gathers several (``problems``)."""
    parts = getattr(exc, "problems", None) or [exc]
    return GatewayRefusal(JAKAMO_REASON_FOR.get(exc.code, default), *(p.in_language("en") for p in parts))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# -- clients and credentials ----------------------------------------------------------------------
def client_create(*, name: str, integration, auth_method: str = AuthMethod.BASIC, passes: str = "everything"):
    """A new client and its generated secret (shown once; only a hash is kept). The secret is
    random and long, so a plain SHA-256 is enough and keeps every request cheap."""
    if integration.kind == Kind.SHIPHERO:
        raise Refused(
            "not_a_jakamo_integration",
            _("ERP clients talk to a Jakamo PO, SO or ASN integration, not a ShipHero webhook."),
        )
    secret = secrets.token_urlsafe(32)
    client = GatewayClient.objects.create(
        name=name,
        integration=integration,
        auth_method=auth_method,
        username=f"erp-{secrets.token_hex(6)}",
        secret_hash=_hash(secret),
        secret_hint=secret[:6],
        passes=passes,
    )
    return client, secret


def client_rotate_secret(client: GatewayClient) -> str:
    secret = secrets.token_urlsafe(32)
    client.secret_hash, client.secret_hint = _hash(secret), secret[:6]
    client.save(update_fields=["secret_hash", "secret_hint"])
    client.tokens.all().delete()
    return secret


def _check(client: GatewayClient | None, secret: str) -> bool:
    return client is not None and client.active and hmac.compare_digest(client.secret_hash, _hash(secret))


def authenticate(credentials: Basic | Bearer | None) -> GatewayClient | None:
    """The active client behind Basic credentials (Basic clients only) or a Bearer token, as
    ``common.jakamo_face.read_authorization`` read them from the Authorization header."""
    client = None
    if isinstance(credentials, Basic):
        client = GatewayClient.objects.select_related("integration").filter(username=credentials.username).first()
        if not _check(client, credentials.password) or client.auth_method != AuthMethod.BASIC:
            return None
    elif isinstance(credentials, Bearer):
        token = (
            GatewayToken.objects.select_related("client__integration")
            .filter(token_hash=_hash(credentials.token), expires_at__gt=timezone.now())
            .first()
        )
        client = token.client if token and token.client.active else None
    if client is not None:
        GatewayClient.objects.filter(pk=client.pk).update(last_seen_at=timezone.now())
    return client


def issue_token(client_id: str, client_secret: str) -> tuple[str, int] | None:
    client = GatewayClient.objects.filter(username=client_id, auth_method=AuthMethod.OAUTH2).first()
    if not _check(client, client_secret):
        return None
    token = secrets.token_urlsafe(32)
    GatewayToken.objects.filter(client=client, expires_at__lt=timezone.now()).delete()
    GatewayToken.objects.create(client=client, token_hash=_hash(token), expires_at=timezone.now() + TOKEN_LIFETIME)
    return token, int(TOKEN_LIFETIME.total_seconds())


# -- the client's queue ----------------------------------------------------------------------------
def next_message(client: GatewayClient) -> GatewayMessage | None:
    message = client.messages.filter(acknowledged_at__isnull=True).order_by("id").first()
    if message is not None:
        GatewayMessage.objects.filter(pk=message.pk).update(read_count=message.read_count + 1)
    return message


def acknowledge(client: GatewayClient, token: str) -> bool:
    """Clear a message of this client's queue. Another client's token is not found."""
    message = client.messages.filter(ack_token=token).first()
    if message is None:
        return False
    client.messages.filter(pk=message.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    return True


def simple_confirm(client: GatewayClient, token: str, *, note: str = "", emphasize: bool | None = None):
    """POST to a Jakamo-Confirm-Url the gateway gave out: accept the supplier's changes (PO side)
    or confirm the customer's order as requested (SO side), through the portal's own services."""
    message = client.messages.filter(confirm_token=token).select_related("confirmation", "sales_order").first()
    if message is None or not token:
        raise GatewayRefusal("cannot_find_order", "This confirm URL is not known for these credentials.")
    try:
        if message.confirmation is not None:
            current = Confirmation.objects.get(pk=message.confirmation.pk)
            if current.decision in (Confirmation.Decision.NONE_NEEDED, Confirmation.Decision.ACCEPTED):
                return  # already confirmed: confirming again changes nothing, as in Jakamo
            order_services.confirmation_accept(confirmation=current, user=None, note=note, emphasize_original=emphasize)
        elif message.sales_order is not None:
            try:
                sales.sales_confirm_as_requested(order=message.sales_order, user=None, note=note)
            except Refused as exc:
                raise refusal_from(exc, "incorrect_order_response") from None
        else:
            raise GatewayRefusal("cannot_find_order")
    except Refused as exc:
        raise refusal_from(exc, "incorrect_order_data") from None


# -- what the ERP sends --------------------------------------------------------------------------------
def _read(body: bytes, kinds: tuple[str, ...]):
    try:
        root = parse_xml(body)
    except DocumentError as exc:
        # Jakamo answers documents it cannot read with its generic 500 (PO document 4).
        raise GatewayRefusal("", str(exc), status=500, text="An error has occurred.") from None
    kind = local(root.tag)
    if kind not in kinds:
        raise GatewayRefusal(
            "message_required", f"The root element is <{kind}>.", text=by_code("message_required").text + " to"
        )
    return root, kind


def _refusal_for(problems) -> GatewayRefusal:
    """Jakamo's answer for the first problem that has one of its own (by the problem's code)."""
    texts = [str(p) for p in problems]
    for p in problems:
        if p.code in JAKAMO_REASON_FOR:
            return GatewayRefusal(JAKAMO_REASON_FOR[p.code], *texts)
    return GatewayRefusal("incorrect_order_data", *texts)


def _preflight(integration, document):
    missing = missing_mappings(integration, required_for(integration, document))
    for m in missing:
        if integration.kind == Kind.PURCHASE_ORDER:
            code = "no_vendor_mapping" if m.kind == "company" else "no_buyer_contact"
        else:
            code = "no_customer_mapping" if m.kind == "company" else "seller_contact"
        raise GatewayRefusal(code, *(x.sentence for x in missing))


def post_order(client: GatewayClient, body: bytes):
    """POST /api/order: an Order or OrderChange from the ERP (PO clients)."""
    integration = client.integration
    if integration.kind != Kind.PURCHASE_ORDER:
        raise GatewayRefusal(
            "message_required",
            "Orders go through a Purchase Order client.",
            text=by_code("message_required").text + " to",
        )
    root, kind = _read(body, (ubl.ORDER, ubl.ORDER_CHANGE))
    try:
        document = parse_order_document(root, kinds=(ubl.ORDER, ubl.ORDER_CHANGE))
    except DocumentError as exc:
        others = intake.other_problems(integration, exc) if kind == ubl.ORDER else []
        raise _refusal_for(exc.problems + others) from None
    if kind == ubl.ORDER:
        problems = order_services.validate_new_order(integration, document)
        if problems:
            raise _refusal_for(problems)
        _preflight(integration, document)
        try:
            order = order_services.purchase_order_create(integration=integration, document=document)
        except order_services.OrderRefused as exc:
            raise _refusal_for(exc.problems) from None
        return order
    order = PurchaseOrder.objects.filter(integration=integration, order_number=document.id or "").first()
    if order is None:
        raise GatewayRefusal("cannot_find_order", f"No purchase order {document.id} was sent through the portal.")
    if order.is_closed:
        raise GatewayRefusal("cannot_reopen")
    _preflight(integration, document)
    try:
        return order_services.purchase_order_revise(order=order, document=document)
    except order_services.OrderRefused as exc:
        raise _refusal_for(exc.problems) from None
    except Refused as exc:
        raise refusal_from(exc, "incorrect_order_data") from None


def put_status(client: GatewayClient, order_id: str, body: bytes):
    """PUT /api/order/{order_id}: StatusMessage Cancelled or Received (PO), Delivered (SO); or, as
    the 2018 document revises orders, an OrderChange (or Order), taken as POST /api/order takes it."""
    _root, kind = _read(body, ("StatusMessage", ubl.ORDER, ubl.ORDER_CHANGE))
    if kind != "StatusMessage":
        return post_order(client, body)
    try:
        msg = jstatus.parse_status_message(body)
    except DocumentError as exc:
        raise GatewayRefusal("incorrect_order_data", str(exc)) from None
    number = msg.order_id or order_id
    integration = client.integration
    if integration.kind == Kind.SALES_ORDER:
        if msg.status != jstatus.DELIVERED:
            raise GatewayRefusal("incorrect_order_response", f"A supplier sends Delivered, not {msg.status}.")
        order = SalesOrder.objects.filter(integration=integration, order_number=number).first()
        if order is None:
            raise GatewayRefusal("cannot_find_order")
        batch_ids = [d.delivery_id for line in msg.lines for d in line.deliveries if d.delivery_id]
        quantities = {line.order_line_id: line.delivered_quantity for line in msg.lines if line.delivered_quantity}
        try:
            return sales.sales_deliver(
                order=order,
                user=None,
                line_ids=[line.order_line_id for line in msg.lines] or None,
                batch_ids=batch_ids or None,
                delivery_date=msg.real_delivery_date,
                tracking_number=msg.tracking_number or "",
                quantities=quantities or None,
                per_batch=bool(batch_ids),  # forwarded as the ERP said it: lines whole, or batches
                source=f"ERP (gateway: {client.name})",
            )
        except Refused as exc:
            raise refusal_from(exc, "incorrect_order_response") from None
    if integration.kind != Kind.PURCHASE_ORDER:
        raise GatewayRefusal("authentication_failed")
    order = PurchaseOrder.objects.filter(integration=integration, order_number=number).first()
    if order is None:
        raise GatewayRefusal("cannot_find_order")
    if order.is_closed:
        raise GatewayRefusal("cannot_reopen")
    try:
        if msg.status == jstatus.CANCELLED:
            return order_services.purchase_order_cancel(order=order)
        if msg.status == jstatus.RECEIVED:
            quantities: dict = {}
            for line in msg.lines:
                if not line.deliveries:
                    quantities[(line.order_line_id, None)] = None
                for d in line.deliveries:
                    quantities[(line.order_line_id, d.delivery_id)] = d.received_quantity
            return order_services.goods_receive(
                order=order,
                user=None,
                quantities=quantities or None,
                received_date=next(
                    (d.received_date for line in msg.lines for d in line.deliveries if d.received_date), None
                )
                or msg.event_date,
                event_date=msg.event_date,
            )
    except Refused as exc:
        raise refusal_from(exc, "incorrect_order_data") from None
    raise GatewayRefusal("incorrect_order_data", f"A buyer sends Cancelled or Received, not {msg.status}.")


def post_order_response(client: GatewayClient, body: bytes):
    """POST /api/orderresponse: the ERP's own OrderResponse (SO clients)."""
    integration = client.integration
    if integration.kind != Kind.SALES_ORDER:
        raise GatewayRefusal("authentication_failed")
    root, _kind = _read(body, (ubl.ORDER_RESPONSE,))
    try:
        document = parse_order_document(root, kinds=(ubl.ORDER_RESPONSE,))
    except DocumentError as exc:
        raise GatewayRefusal("incorrect_order_response", str(exc)) from None
    if not document.order_reference_id or not document.lines:
        raise GatewayRefusal("incorrect_order_response", "OrderReference/ID and at least one line are required.")
    for line in document.lines:
        open_or_cancelled = line.line_status_code in (ubl.OPEN, ubl.CANCELLED)
        if line.quantity is None and not open_or_cancelled:
            raise GatewayRefusal("line_missing_quantity", f"Line {line.id}.")
        if (line.price is None or line.price.amount is None) and not open_or_cancelled:
            raise GatewayRefusal("price_required", f"Line {line.id}.")
    order = SalesOrder.objects.filter(integration=integration, order_number=document.order_reference_id).first()
    if order is None:
        raise GatewayRefusal("cannot_find_order")
    _preflight(integration, document)
    try:
        return sales.sales_confirm_document(order=order, document=document)
    except Refused as exc:
        raise refusal_from(exc, "incorrect_order_response") from None


def queue_depth(client: GatewayClient) -> dict:
    unread = client.messages.filter(acknowledged_at__isnull=True)
    oldest = unread.order_by("id").first()
    return {"depth": unread.count(), "oldest": oldest.created_at if oldest else None}
