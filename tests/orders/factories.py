"""Purchase orders with confirmations, made through the services (no HTTP), for page tests."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

from exchange.models import InboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from mappings import services as mapping_services
from mappings.models import Integration
from orders.purchase import services
from sandbox import demo
from sandbox.services import response_from_order


def buyer_integration(purchaser=None) -> Integration:
    integration, created = Integration.objects.get_or_create(
        name="PO", defaults={"kind": "purchase_order", "environment": "custom", "base_url": "http://127.0.0.1:9/x"}
    )
    if created:
        mapping_services.save_company_mapping(
            integration=integration, identifier="V-100", company_name="Test Supplier Ltd."
        )
        mapping_services.save_user_mapping(integration=integration, identifier="bertha", portal_user=purchaser)
    return integration


def order_with_confirmation(number: str, purchaser=None, *, price: Decimal | None = Decimal("13"), lines: int = 2):
    integration = buyer_integration(purchaser)
    order = services.purchase_order_create(
        integration=integration, document=demo.sample_order(number, lines=lines), user=purchaser
    )
    response = response_from_order(services.order_document(order), status=ubl.CONFIRMED)
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
    confirmation = services.confirmation_record(inbox=inbox, response=response)
    order.refresh_from_db()
    return order, confirmation
