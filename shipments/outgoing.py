"""ShipHero's Shipment ASN webhook, supplier side.

Receiving (inside ShipHero's 10-second limit): size limit, HMAC over the raw bytes, JSON and shape
checks, then the raw body is committed as an inbox message and the answer goes back; matching and
Delivered happen afterwards in a task. ShipHero retries up to five times, so a repeat (the same
``X-Shiphero-Message-ID`` with the same body, or the same body under any id) is answered with
success and not stored or processed again.

Matching a webhook to our sales order, in this order:
1. a stored link between the ShipHero order id and a sales order (set by hand from the "needs
   attention" list, or remembered from rule 2);
2. the line items' ``partner_line_item_id`` read as ``<our order number>-<line id>`` (the trading
   partner's line reference), all pointing at one open sales order.
Each line item then maps to one of the order's lines: by hand (the link's line map), by
``partner_line_item_id``, else by SKU equal to the line's seller's or buyer's item id."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import Refused
from common.params import max_body
from exchange import transitions
from exchange.handlers import Identified
from exchange.inbox import content_hash
from exchange.models import AuditEntry, InboxMessage
from exchange.redact import redact_headers
from jakamo import shiphero
from jakamo.errors import DocumentError
from jakamo.ubl_parse import parse_order_document
from mappings.models import Integration, Kind
from orders import deviations as dv
from orders.models import SalesOrder
from orders.sales.services import sales_deliver

from . import bounds
from . import transitions as calls
from .models import ShipHeroOrderLink, ShipHeroWebhook, WebhookRejection, WebhookState

log = logging.getLogger(__name__)

SUCCESS = {"code": "200", "Status": "Success"}


@dataclass
class Answer:
    status: int
    body: dict


def max_body_bytes() -> int:
    return max_body()


TOO_LARGE, UNAUTHENTICATED = 413, 401


def reject(
    integration: Integration | None, reason: str, *, status: int, remote_addr=None, message_id="", size=0
) -> Answer:
    """Refuse a call before storing it; ``status`` is the caller's (413 too large, 401 not ShipHero)."""
    WebhookRejection.objects.create(
        integration=integration,
        reason=reason[:300],
        remote_addr=remote_addr or None,
        message_id=message_id[:200],
        body_bytes=size,
    )
    log.warning("ShipHero webhook refused for integration %s: %s", getattr(integration, "pk", None), reason)
    return Answer(status, {"code": str(status), "Status": "Error", "message": reason})


def receive(
    integration: Integration, body: bytes, headers: dict[str, str], *, remote_addr: str | None = None
) -> Answer:
    """Everything that must happen before ShipHero gets its answer. Never raises for bad input."""
    headers = dict(headers)
    lowered = {key.lower(): value for key, value in headers.items()}
    full_message_id = (lowered.get(shiphero.MESSAGE_ID_HEADER.lower()) or "").strip()
    message_id = full_message_id[:200]
    if len(body) > max_body_bytes():
        return reject(
            integration,
            f"The body is {len(body):,} bytes; the limit is {max_body_bytes():,} bytes.",
            status=TOO_LARGE,
            remote_addr=remote_addr,
            message_id=message_id,
            size=len(body),
        )
    signature = lowered.get(shiphero.SIGNATURE_HEADER.lower())
    if not signature:
        return reject(
            integration,
            f"No {shiphero.SIGNATURE_HEADER} header.",
            status=UNAUTHENTICATED,
            remote_addr=remote_addr,
            message_id=message_id,
            size=len(body),
        )
    if not shiphero.verify(body, integration.webhook_secret, signature):
        return reject(
            integration,
            "The signature does not match the body and this webhook's shared secret.",
            status=UNAUTHENTICATED,
            remote_addr=remote_addr,
            message_id=message_id,
            size=len(body),
        )
    problems, doc = "", None
    try:
        doc = shiphero.parse_shipment_asn(body)
    except DocumentError as exc:
        problems = str(exc)
    else:
        refused = bounds.message_id_problems(full_message_id) + bounds.shiphero_problems(doc)
        if refused:
            problems, doc = str(DocumentError(refused)), None
    digest = content_hash(body)
    with transaction.atomic():
        # Serialises concurrent deliveries of the same call per endpoint.
        Integration.objects.select_for_update().filter(pk=integration.pk).first()
        original = _seen(integration, message_id, digest)
        if original is not None:
            ShipHeroWebhook.objects.filter(pk=original.pk).update(times_seen=F("times_seen") + 1)
            if original.state == WebhookState.INVALID:
                return Answer(400, {"code": "400", "Status": "Error", "message": original.problem})
            return Answer(200, SUCCESS)
        now = timezone.now()
        inbox = transitions.create(
            InboxMessage,
            # Answering ShipHero is the acknowledgement; the row is committed before it.
            status=InboxMessage.Status.FAILED if problems else InboxMessage.Status.ACKNOWLEDGED,
            integration=integration,
            body=body,
            content_type=lowered.get("content-type", "")[:100],
            headers=redact_headers(headers, integration.secrets()),
            content_hash=digest,
            acknowledged_at=now,
            error=problems[:5000],
            document_type="ShipHeroShipmentASN",
            document_key=(doc.order_id if doc else "")[:200],
            partner=((doc.shipping_details.trading_partner_name or "") if doc else "")[:200],
        )
        hook = ShipHeroWebhook.objects.create(
            integration=integration,
            inbox=inbox,
            message_id=message_id,
            state=calls.initial(calls.SHIPHERO_CALL, WebhookState.INVALID if problems else WebhookState.RECEIVED),
            problem=problems[:5000],
            **(_summary(doc) if doc else {}),
        )
        if not problems:
            transaction.on_commit(lambda: schedule(hook.pk))
    if problems:
        return Answer(400, {"code": "400", "Status": "Error", "message": problems})
    return Answer(200, SUCCESS)


def _seen(integration, message_id: str, digest: str) -> ShipHeroWebhook | None:
    """The earlier call this one repeats: the same body. A retry sends the same signed bytes; a
    known message id with another body is a new call, kept and processed, or its content would be
    lost (the same shipment's Delivered is sent once all the same)."""
    return ShipHeroWebhook.objects.filter(integration=integration, inbox__content_hash=digest).order_by("id").first()


def _summary(doc: shiphero.ShipmentAsn) -> dict:
    d = doc.shipping_details
    return {
        "shiphero_order_id": doc.order_id[:100],
        "shipment_id": (d.shipment_id or "")[:100],
        "ship_date": d.ship_date,
        "tracking_number": (doc.tracking_number or "")[:200],
        "is_freight": doc.is_freight,
        "trading_partner_name": (d.trading_partner_name or "")[:200],
    }


def schedule(pk: int):
    from django_q.tasks import async_task

    async_task("shipments.tasks.process_webhook", pk, task_name=f"shiphero-{pk}", group="shiphero")


def process(hook: ShipHeroWebhook) -> ShipHeroWebhook:
    """Process the stored call through the exchange engine (so the message history shows it)."""
    from exchange import inbox as inbox_engine

    inbox_engine.process(hook.inbox)
    return _after(hook)


def _after(hook: ShipHeroWebhook) -> ShipHeroWebhook:
    hook.refresh_from_db()
    hook.inbox.refresh_from_db()
    if hook.inbox.status == InboxMessage.Status.FAILED and hook.state == WebhookState.RECEIVED:
        # The engine kept the error on the message; say it here too, so the call is not retried forever.
        _set(hook, WebhookState.NEEDS_ATTENTION, hook.inbox.error)
    return hook


def replay(hook: ShipHeroWebhook, user) -> ShipHeroWebhook:
    """Support's replay: process a stored call again (after a link or a fix). A Delivered that was
    already sent is not sent twice."""
    from exchange import inbox as inbox_engine

    if hook.state == WebhookState.INVALID:
        raise Refused("invalid_call", _("This call was refused as invalid; replaying it would refuse it again."))
    if hook.state != WebhookState.DELIVERED:
        hook.problem = ""
        calls.move(calls.SHIPHERO_CALL, hook, WebhookState.RECEIVED, by=user, why="replayed", also=["problem"])
    inbox_engine.reprocess(hook.inbox, user=user)
    return _after(hook)


# -- processing (after the answer) -------------------------------------------------------------------
def on_shipment_asn(inbox, identified: Identified):
    """A stored ShipHero Shipment ASN webhook (routed in shipments/apps.py)."""
    hook = ShipHeroWebhook.objects.select_for_update().get(inbox=inbox)
    apply(hook, identified.document)


def _set(hook: ShipHeroWebhook, state: str, problem: str = "", *, by=None, **fields):
    hook.problem, hook.processed_at = problem, timezone.now()
    for key, value in fields.items():
        setattr(hook, key, value)
    also = ["problem", "processed_at", *fields]
    if not calls.move(calls.SHIPHERO_CALL, hook, state, by=by, why=problem[:500], also=also):
        hook.save(update_fields=also)


def apply(hook: ShipHeroWebhook, doc: shiphero.ShipmentAsn):
    integration = hook.integration
    if hook.state == WebhookState.DELIVERED:
        return  # a replay after Delivered went out: nothing more to send
    if not shiphero.matches_shop(integration.shop_name, doc.shipping_details.trading_partner_name):
        _set(
            hook,
            WebhookState.IGNORED,
            f"The trading partner “{doc.shipping_details.trading_partner_name or ''}” does not match this "
            f"webhook's shop_name “{integration.shop_name}”.",
        )
        return
    if doc.shipping_details.shipment_id:
        earlier = (
            ShipHeroWebhook.objects.filter(
                integration=integration,
                shiphero_order_id=doc.order_id,
                shipment_id=doc.shipping_details.shipment_id,
                state=WebhookState.DELIVERED,
            )
            .exclude(pk=hook.pk)
            .first()
        )
        if earlier is not None:
            _set(
                hook,
                WebhookState.REPEAT,
                f"Delivered for shipment {earlier.shipment_id} was already sent from call #{earlier.pk}.",
                repeat_of=earlier,
                sales_order=earlier.sales_order,
            )
            return
    order, problem = match_sales_order(integration, doc)
    if order is None:
        _set(hook, WebhookState.NEEDS_ATTENTION, problem, sales_order=None)
        return
    link = ShipHeroOrderLink.objects.filter(integration=integration, shiphero_order_id=doc.order_id).first()
    quantities, unmatched = map_lines(order, doc, link.line_map if link else {})
    if unmatched:
        _set(
            hook,
            WebhookState.NEEDS_ATTENTION,
            f"Order {order.order_number} has no line for {', '.join(unmatched)}: link the line items by hand.",
            sales_order=order,
        )
        return
    if not quantities:
        _set(hook, WebhookState.NEEDS_ATTENTION, "The packing layout holds no line items.", sales_order=order)
        return
    if not doc.has_shipped:
        _set(
            hook,
            WebhookState.WAITING,
            "ShipHero has no shipment yet (no shipment id and ship date); Delivered goes out with the call "
            "that has them.",
            sales_order=order,
            delivered_lines={k: str(v) for k, v in quantities.items()},
        )
        return
    try:
        confirmation = sales_deliver(
            order=order,
            user=None,
            line_ids=sorted(quantities, key=_line_sort_key),
            delivery_date=doc.shipping_details.ship_date,
            tracking_number=doc.tracking_number or "",
            quantities=quantities,
            source=f"ShipHero (webhook: {hook.integration.name})",
        )
    except Refused as exc:
        _set(hook, WebhookState.NEEDS_ATTENTION, exc.message, sales_order=order)
        return
    _set(
        hook,
        WebhookState.DELIVERED,
        sales_order=order,
        delivered_lines={k: str(v) for k, v in quantities.items()},
        outbox=confirmation.outbox,
    )


def _line_sort_key(line_id: str):
    # Numbers in numeric order without int(): a line id may be any length, or a digit int() refuses (²).
    if line_id.isascii() and line_id.isdigit():
        digits = line_id.lstrip("0")
        return (0, len(digits), digits)
    return (1, 0, line_id)


def _sales_orders(integration_ids=None):
    qs = SalesOrder.objects.filter(integration__kind=Kind.SALES_ORDER)
    return qs.filter(integration_id__in=integration_ids) if integration_ids else qs


def _split_partner_ref(ref: str) -> list[tuple[str, str]]:
    """``SO-1001-2`` could be order ``SO-1001`` line ``2`` or order ``SO`` line ``1001-2``: every
    split at a dash, the longest order number first."""
    out = []
    pos = ref.rfind("-")
    while pos > 0:
        out.append((ref[:pos], ref[pos + 1 :]))
        pos = ref.rfind("-", 0, pos)
    return out


def match_sales_order(integration: Integration, doc: shiphero.ShipmentAsn) -> tuple[SalesOrder | None, str]:
    link = (
        ShipHeroOrderLink.objects.select_related("sales_order")
        .filter(integration=integration, shiphero_order_id=doc.order_id)
        .first()
    )
    if link is not None:
        return link.sales_order, ""
    refs = {item.partner_line_item_id for item in doc.line_items() if item.partner_line_item_id}
    found: dict[int, SalesOrder] = {}
    for ref in refs:
        for order_number, _line in _split_partner_ref(ref):
            candidates = list(_sales_orders().filter(order_number=order_number)[:2])
            if len(candidates) == 1:
                found[candidates[0].pk] = candidates[0]
                break
    if len(found) == 1:
        order = next(iter(found.values()))
        ShipHeroOrderLink.objects.get_or_create(
            integration=integration,
            shiphero_order_id=doc.order_id,
            defaults={"sales_order": order, "rule": "partner line item ids"},
        )
        return order, ""
    if len(found) > 1:
        numbers = ", ".join(sorted(o.order_number for o in found.values()))
        return None, f"The line items point at several sales orders ({numbers}); link the right one by hand."
    shown = ", ".join(sorted(refs)) or "none"
    return None, (
        f"No sales order matches ShipHero order {doc.order_id} (partner line item ids: {shown}). "
        "Link it to the sales order by hand."
    )


def map_lines(order: SalesOrder, doc: shiphero.ShipmentAsn, line_map: dict) -> tuple[dict[str, Decimal], list[str]]:
    """Line id → quantity packed, and the line items that match no line of the order."""
    document = parse_order_document(order.document_xml)
    open_lines = [line for line in document.lines if not dv.is_cancelled(line)]
    ids = {line.id for line in open_lines}
    by_item_id: dict[str, str] = {}
    for line in open_lines:
        item = line.item
        if item is None:
            continue
        for value in (
            item.sellers_item_id,
            item.buyers_item_identification.id if item.buyers_item_identification else None,
        ):
            if value:
                by_item_id.setdefault(value, line.id)
    quantities: dict[str, Decimal] = {}
    unmatched = []
    for item in doc.line_items():
        line_id = line_map.get(str(item.order_line_item_id or ""))
        if line_id is None and item.partner_line_item_id:
            for number, candidate in _split_partner_ref(item.partner_line_item_id):
                if number == order.order_number and candidate in ids:
                    line_id = candidate
                    break
            if line_id is None and item.partner_line_item_id in ids:
                line_id = item.partner_line_item_id
        if line_id is None and item.sku:
            line_id = by_item_id.get(item.sku)
        if line_id is None or line_id not in ids:
            unmatched.append(f"line item {item.partner_line_item_id or item.order_line_item_id} (SKU {item.sku})")
            continue
        quantities[line_id] = quantities.get(line_id, Decimal(0)) + item.quantity
    return quantities, unmatched


def link_by_hand(
    *, hook: ShipHeroWebhook, order: SalesOrder, user, line_map: dict[str, str] | None = None
) -> ShipHeroWebhook:
    """Link the ShipHero order to our sales order (and optionally line items to lines), then
    process the call again. Later calls for the same ShipHero order use the link."""
    if hook.state in (WebhookState.INVALID, WebhookState.DELIVERED):
        raise Refused(
            "nothing_to_link",
            _("This call is “%(state)s”; there is nothing to link."),
            state=hook.get_state_display(),
        )
    if not hook.shiphero_order_id:
        raise Refused("no_shiphero_order", _("The call has no ShipHero order id."))
    with transaction.atomic():
        ShipHeroOrderLink.objects.update_or_create(
            integration=hook.integration,
            shiphero_order_id=hook.shiphero_order_id,
            defaults={
                "sales_order": order,
                "rule": "linked by hand",
                "linked_by": user,
                "line_map": {k: v for k, v in (line_map or {}).items() if v},
            },
        )
        AuditEntry.objects.create(
            user=user, action="link", inbox=hook.inbox, note=f"ShipHero order {hook.shiphero_order_id} → {order}"
        )
    return replay(hook, user)


def process_stale(older_than_seconds: int = 120) -> int:
    """Calls whose processing task was lost (a worker killed before it ran): process them now."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = ShipHeroWebhook.objects.filter(state=WebhookState.RECEIVED, received_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:100]
    done = 0
    for pk in stale:
        process(ShipHeroWebhook.objects.get(pk=pk))
        done += 1
    return done


OUNCES_PER_KG = Decimal("35.27396195")


@dataclass
class PackingRow:
    depth: int
    container: shiphero.Container
    units: int  # line item quantity packed in this container and everything inside it

    @property
    def indent_em(self) -> int:
        return min(self.depth, 20) * 2

    @property
    def weight_kg(self) -> Decimal | None:
        oz = self.container.weight_in_oz
        return None if oz is None else (oz / OUNCES_PER_KG).quantize(Decimal("0.01"))


def packing_rows(doc: shiphero.ShipmentAsn) -> list[PackingRow]:
    """The packing layout as a flat list in tree order with depths (no recursion, so a layout
    nested thousands deep still renders)."""
    rows: list[PackingRow] = []
    stack = [(c, 0) for c in reversed(doc.containers)]
    while stack:
        container, depth = stack.pop()
        total = sum((item.quantity for node in container.walk() for item in node.line_items), Decimal(0))
        rows.append(PackingRow(depth, container, total))
        stack.extend((child, depth + 1) for child in reversed(container.containers))
    return rows
