"""Filling each ERP client's queue. A client reads what Jakamo would have given it, after the
portal has taken it in: as it arrives, or (``Passes.DECIDED``, like Jakamo's "only pass confirmed
orders") only confirmations once they need no decision or the purchaser accepted them, plus
Delivered statuses and ASNs."""

from __future__ import annotations

import secrets

from exchange.handlers import Identified
from mappings.models import Kind
from orders.models import Confirmation, SalesOrder

from .models import GatewayClient, GatewayMessage, Passes


def _token() -> str:
    return secrets.token_urlsafe(24)


def _put(
    client,
    *,
    document_type,
    document_key,
    body,
    content_type,
    source=None,
    confirmation=None,
    sales_order=None,
    confirmable=False,
):
    # Keyed by the inbox message (or, for a decision, the confirmation): a reprocessed message is
    # not queued twice.
    key = {"source": source} if source is not None else {"confirmation": confirmation}
    existing = GatewayMessage.objects.filter(client=client, document_type=document_type, **key).first()
    if existing is not None:
        return existing
    return GatewayMessage.objects.create(
        client=client,
        document_type=document_type,
        document_key=document_key[:200],
        body=body,
        content_type=content_type,
        source=source,
        confirmation=confirmation,
        sales_order=sales_order,
        ack_token=_token(),
        confirm_token=_token() if confirmable else "",
    )


def publish(inbox, identified: Identified):
    """Subscribed to every handled inbound message (gateway/apps.py)."""
    clients = list(GatewayClient.objects.filter(integration=inbox.integration, active=True))
    if not clients:
        return
    kind = inbox.integration.kind
    root_type = identified.document_type.split(" ")[0]
    body = bytes(inbox.body)
    content_type = "application/json" if kind == Kind.ASN else "application/xml"
    confirmation = Confirmation.objects.filter(inbox=inbox).first() if root_type == "OrderResponse" else None
    sales_order = None
    if kind == Kind.SALES_ORDER and root_type in ("Order", "OrderChange"):
        sales_order = SalesOrder.objects.filter(integration=inbox.integration, order_number=identified.key).first()
    for client in clients:
        if kind == Kind.PURCHASE_ORDER and client.passes == Passes.DECIDED:
            if root_type == "OrderResponse":
                if confirmation is None or confirmation.decision != Confirmation.Decision.NONE_NEEDED:
                    continue  # waits for the purchaser (or the supplier's remaining lines)
            elif identified.document_type != "StatusMessage Delivered":
                continue
        # Jakamo gives every OrderResponse a Jakamo-Confirm-Url (and every new customer order).
        confirmable = confirmation is not None or (sales_order is not None and bool(sales_order.confirm_url))
        _put(
            client,
            document_type=root_type if root_type != "StatusMessage" else "StatusMessage",
            document_key=identified.key,
            body=body,
            content_type=content_type,
            source=inbox,
            confirmation=confirmation,
            sales_order=sales_order,
            confirmable=confirmable,
        )


def pass_accepted(confirmation: Confirmation):
    """Called inside the purchaser's acceptance (gateway/apps.py, orders.purchase.services.after_acceptance)."""
    for client in GatewayClient.objects.filter(
        integration=confirmation.order.integration, active=True, passes=Passes.DECIDED
    ):
        _put(
            client,
            document_type="OrderResponse",
            document_key=confirmation.order.order_number,
            body=confirmation.document_xml.encode(),
            content_type="application/xml",
            confirmation=confirmation,
            confirmable=True,
        )
