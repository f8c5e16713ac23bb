"""ShipHero's Shipment ASN webhook: signature, size, shape, storage, repeats, matching to our sales
order, and Delivered reaching Jakamo (the sandbox) over HTTP."""

import json
import time
from copy import deepcopy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from exchange import inbox
from exchange.models import InboxMessage, OutboxMessage
from jakamo import shiphero
from mappings.models import Integration
from orders.models import SalesOrder, SalesStatus
from orders.sales import services as sales
from sandbox import party
from sandbox.models import Order as JakamoOrder
from shipments import outgoing, tasks
from shipments.models import ShipHeroOrderLink, ShipHeroWebhook, WebhookRejection, WebhookState
from tests.helpers import SHIPHERO_SECRET, customer_orders, post_shiphero, send_all
from tests.reference import shiphero_examples

SUCCESS = {"code": "200", "Status": "Success"}


@pytest.fixture
def sales_order(network, supplier, seller) -> SalesOrder:
    customer_orders(network, "C-1", sellers_item_ids=("coca-lata", "shaft-9"))
    inbox.sync(supplier.pk)
    order = SalesOrder.objects.get(order_number="C-1")
    sales.sales_confirm_as_requested(order=order, user=seller)
    send_all()
    return order


def run_tasks():
    for hook in ShipHeroWebhook.objects.filter(state=WebhookState.RECEIVED).order_by("id"):
        tasks.process_webhook(hook.pk)


def payload_for(items, *, kind="courier", shipped=True, order_id="900001", partner="some-retailer"):
    return party.shiphero_payload(
        kind=kind, order_id=order_id, line_items=items, shipped=shipped, trading_partner_name=partner
    )


def item(ref, quantity, sku="sku", item_id=1):
    return {"order_line_item_id": item_id, "partner_line_item_id": ref, "sku": sku, "name": sku, "quantity": quantity}


# -- receiving the call ------------------------------------------------------------------------------
def test_both_reference_examples_are_answered_stored_raw_and_processed_after_the_answer(client, shiphero_endpoint):
    for n, (kind, example) in enumerate(shiphero_examples().items()):
        body = json.dumps(example, indent=1).encode()
        response = post_shiphero(client, shiphero_endpoint, None, raw=body, message_id=f"ex-{kind}")
        assert response.status_code == 200 and response.json() == SUCCESS
        hook = ShipHeroWebhook.objects.get(message_id=f"ex-{kind}")
        assert bytes(hook.inbox.body) == body and hook.state == WebhookState.RECEIVED
        assert OrmQ.objects.count() == n + 1  # processing was queued, not done in the request
        assert hook.inbox.headers["X-Shiphero-Hmac-Sha256"] == "[redacted]"
    freight = ShipHeroWebhook.objects.get(message_id="ex-freight")
    assert freight.is_freight and freight.tracking_number == "0123456789" and freight.shipment_id == ""
    courier = ShipHeroWebhook.objects.get(message_id="ex-courier")
    assert not courier.is_freight and courier.tracking_number == "315518042"
    assert courier.ship_date == date(2025, 10, 2) and courier.trading_partner_name == "some-retailer"
    run_tasks()
    for hook in ShipHeroWebhook.objects.all():
        assert hook.state == WebhookState.NEEDS_ATTENTION
        assert "No sales order matches ShipHero order" in hook.problem and "MO44-472777084" in hook.problem
        assert hook.inbox.status == InboxMessage.Status.PROCESSED


def test_a_wrong_or_missing_signature_is_refused_recorded_and_nothing_is_stored(client, shiphero_endpoint, support):
    payload = payload_for([item("C-1-1", 1)])
    response = post_shiphero(client, shiphero_endpoint, payload, secret="guessed")
    assert response.status_code == 401 and response.json()["Status"] == "Error"
    body = json.dumps(payload).encode()
    unsigned = client.post(
        reverse("shiphero_webhook", args=[shiphero_endpoint.pk]), data=body, content_type="application/json"
    )
    assert unsigned.status_code == 401
    # The right signature over a different body (a tampered payload) fails too.
    tampered = client.post(
        reverse("shiphero_webhook", args=[shiphero_endpoint.pk]),
        data=body.replace(b"C-1-1", b"C-1-2"),
        content_type="application/json",
        HTTP_X_SHIPHERO_HMAC_SHA256=shiphero.sign(body, SHIPHERO_SECRET),
    )
    assert tampered.status_code == 401
    reasons = list(WebhookRejection.objects.order_by("id").values_list("reason", flat=True))
    assert reasons == [
        "The signature does not match the body and this webhook's shared secret.",
        "No X-ShipHero-HMAC-SHA256 header.",
        "The signature does not match the body and this webhook's shared secret.",
    ]
    assert WebhookRejection.objects.first().remote_addr == "127.0.0.1"
    assert not ShipHeroWebhook.objects.exists() and not InboxMessage.objects.exists()
    client.force_login(support)
    page = client.get(reverse("shipments:webhook_list")).content.decode()
    assert page.count("<td>The signature does not match the body") == 2 and "No X-ShipHero-HMAC-SHA256 header." in page


def test_an_oversize_body_is_refused_before_it_is_read(client, shiphero_endpoint, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = payload_for([item(f"C-1-{n}", 1, item_id=n) for n in range(300)])
    response = post_shiphero(client, shiphero_endpoint, payload)
    assert response.status_code == 413 and "limit is 10,000 bytes" in response.json()["message"]
    rejection = WebhookRejection.objects.get()
    assert rejection.body_bytes > 10_000 and rejection.message_id == "msg-1"
    assert not InboxMessage.objects.exists()


def test_a_webhook_endpoint_that_is_not_shiphero_or_disabled_is_not_found(client, shiphero_endpoint, db):
    other = Integration.objects.create(name="PO", kind="purchase_order")
    assert post_shiphero(client, other, {}).status_code == 404
    shiphero_endpoint.enabled = False
    shiphero_endpoint.save()
    assert post_shiphero(client, shiphero_endpoint, {}).status_code == 404
    assert client.get(reverse("shiphero_webhook", args=[shiphero_endpoint.pk])).status_code == 405


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"account_id": 1, "order_id": ', "Malformed JSON"),
        (b"\xff\xfe not utf-8", "not valid UTF-8"),
        (b"[]", "expected an object"),
        (
            b'{"webhook_type": "Order Canceled", "order_id": 1, "shipping_details": {}, "packing_layout": {}}',
            "expected 'Shipment ASN'",
        ),
        (
            json.dumps(
                {
                    "order_id": 5,
                    "webhook_type": "Shipment ASN",
                    "shipping_details": {"ship_date": "yesterday"},
                    "packing_layout": {"containers": [{"type": "Box", "line_items": [{"quantity": "three"}]}]},
                }
            ).encode(),
            "body.packing_layout.containers[0].line_items[0].quantity",
        ),
    ],
)
def test_a_signed_but_invalid_payload_is_refused_with_the_reason_and_kept(client, shiphero_endpoint, raw, expected):
    response = post_shiphero(client, shiphero_endpoint, None, raw=raw)
    assert response.status_code == 400 and expected in response.json()["message"]
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.INVALID and expected in hook.problem
    assert bytes(hook.inbox.body) == raw and hook.inbox.status == InboxMessage.Status.FAILED
    assert OrmQ.objects.count() == 0
    # ShipHero retries: the same answer, still one stored copy.
    assert post_shiphero(client, shiphero_endpoint, None, raw=raw).status_code == 400
    assert ShipHeroWebhook.objects.get().times_seen == 2


def test_unknown_container_types_nested_deep_are_taken_and_laid_out_as_a_tree(
    client, shiphero_endpoint, sales_order, support
):
    leaf = {"type": "CasePack", "details": {"weight_in_oz": 16}, "line_items": [item("C-1-1", 2, sku="coca-lata")]}
    node = leaf
    for n in range(60):
        node = {"type": "Crate" if n % 2 else "Box", "details": {"container_number": n}, "containers": [node]}
    payload = payload_for([])
    payload["packing_layout"]["containers"] = [node]
    assert post_shiphero(client, shiphero_endpoint, payload).status_code == 200
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.DELIVERED and hook.delivered_lines == {"1": "2"}
    rows = outgoing.packing_rows(shiphero.parse_shipment_asn(bytes(hook.inbox.body)))
    assert len(rows) == 61 and rows[-1].depth == 60 and rows[-1].container.type == "CasePack"
    assert rows[0].units == 2 and rows[-1].weight_kg == Decimal("0.45")
    client.force_login(support)
    page = client.get(hook.get_absolute_url())
    assert page.status_code == 200 and b"CasePack" in page.content and b"0.45 kg" in page.content


# -- repeats ------------------------------------------------------------------------------------------
def test_a_repeat_is_answered_with_success_and_not_processed_twice(client, shiphero_endpoint, sales_order):
    payload = payload_for([item("C-1-1", 5, sku="coca-lata")])
    assert post_shiphero(client, shiphero_endpoint, payload).json() == SUCCESS
    run_tasks()
    # ShipHero retries with the same message id; then the same body arrives under a new id.
    assert post_shiphero(client, shiphero_endpoint, payload).json() == SUCCESS
    assert post_shiphero(client, shiphero_endpoint, payload, message_id="msg-2").json() == SUCCESS
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.times_seen == 3 and hook.state == WebhookState.DELIVERED
    assert (
        InboxMessage.objects.filter(integration=shiphero_endpoint).count() == 1
        and OutboxMessage.objects.filter(document_type="StatusMessage Delivered").count() == 1
    )


def test_a_second_call_for_a_shipment_already_delivered_sends_nothing(client, shiphero_endpoint, sales_order):
    payload = payload_for([item("C-1-1", 5, sku="coca-lata")])
    post_shiphero(client, shiphero_endpoint, payload)
    payload["packing_layout"]["updated_at"] = "2026-11-23T10:00:00"  # ShipHero fired again after an edit
    post_shiphero(client, shiphero_endpoint, payload, message_id="msg-2")
    run_tasks()
    first, second = ShipHeroWebhook.objects.order_by("id")
    assert first.state == WebhookState.DELIVERED
    assert second.state == WebhookState.REPEAT and second.repeat_of == first
    assert OutboxMessage.objects.filter(document_type="StatusMessage Delivered").count() == 1


def test_a_known_message_id_with_another_body_is_a_new_call_not_a_repeat(client, shiphero_endpoint, sales_order):
    """A retry sends the same signed bytes; another body under the same id carries content that
    answering "repeat" would drop. Kept and processed (Delivered for one shipment still goes once)."""
    unshipped = payload_for([item("C-1-1", 5, sku="coca-lata")], shipped=False)
    shipped = payload_for([item("C-1-1", 5, sku="coca-lata")])
    assert post_shiphero(client, shiphero_endpoint, unshipped).json() == SUCCESS
    assert post_shiphero(client, shiphero_endpoint, shipped).json() == SUCCESS  # the same msg-1
    run_tasks()
    first, second = ShipHeroWebhook.objects.order_by("id")
    assert first.times_seen == 1 and second.state == WebhookState.DELIVERED
    assert OutboxMessage.objects.filter(document_type="StatusMessage Delivered").count() == 1


# -- matching and Delivered -------------------------------------------------------------------------
def test_before_a_shipment_exists_it_waits_and_the_shipped_call_sends_delivered(client, shiphero_endpoint, sales_order):
    items = [item("C-1-1", 30, sku="coca-lata", item_id=11), item("C-1-1", 20, sku="coca-lata", item_id=12)]
    early = payload_for(items, shipped=False)
    assert early["shipping_details"]["shipment_id"] is None and early["shipping_details"]["ship_date"] is None
    post_shiphero(client, shiphero_endpoint, early)
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.WAITING and hook.sales_order == sales_order
    assert hook.delivered_lines == {"1": "50"} and not OutboxMessage.objects.filter(document_type__contains="Delivered")
    assert ShipHeroOrderLink.objects.get().rule == "partner line item ids"

    shipped = payload_for(items, kind="freight")
    post_shiphero(client, shiphero_endpoint, shipped, message_id="msg-2")
    run_tasks()
    hook = ShipHeroWebhook.objects.get(message_id="msg-2")
    assert hook.state == WebhookState.DELIVERED and hook.tracking_number == shipped["shipping_details"]["pro_number"]
    send_all()
    assert hook.outbox.status == "sent"
    jakamo = JakamoOrder.objects.get(order_number="C-1")
    assert jakamo.state["1"]["delivered"] is True and jakamo.state["1"]["delivered_quantity"] == "50"
    assert jakamo.state["1"]["tracking_number"] == shipped["shipping_details"]["pro_number"]
    assert "delivered" not in jakamo.state.get("2", {})


def test_lines_match_by_sku_when_the_partner_reference_does_not_name_one(client, shiphero_endpoint, sales_order):
    ShipHeroOrderLink.objects.create(
        integration=shiphero_endpoint, shiphero_order_id="900001", sales_order=sales_order, rule="linked by hand"
    )
    post_shiphero(
        client,
        shiphero_endpoint,
        payload_for([item("X-9", 4, sku="shaft-9"), item(None, 6, sku="coca-lata", item_id=2)]),
    )
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.DELIVERED and hook.delivered_lines == {"1": "6", "2": "4"}
    sales_order.refresh_from_db()
    assert sales_order.status == SalesStatus.DELIVERED


def test_an_unmatched_call_waits_in_needs_attention_and_is_linked_by_hand(
    client, shiphero_endpoint, sales_order, seller
):
    post_shiphero(client, shiphero_endpoint, payload_for([item("RETAIL-77", 3, sku="unknown-sku", item_id=555)]))
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.NEEDS_ATTENTION and "RETAIL-77" in hook.problem

    client.force_login(seller)
    listing = client.get(reverse("shipments:webhook_list"))
    assert listing.status_code == 200 and b"RETAIL-77" in listing.content
    # Linked to the order, but the line item still matches no line: it says which.
    client.post(reverse("shipments:webhook_link", args=[hook.pk]), {"order_number": "C-1"})
    hook.refresh_from_db()
    assert (
        hook.state == WebhookState.NEEDS_ATTENTION
        and "has no line for line item RETAIL-77 (SKU unknown-sku)" in hook.problem
    )
    assert client.post(reverse("shipments:webhook_link", args=[hook.pk]), {"order_number": "NOPE"}).status_code == 302
    response = client.post(reverse("shipments:webhook_link", args=[hook.pk]), {"order_number": "C-1", "line_555": "2"})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.state == WebhookState.DELIVERED and hook.delivered_lines == {"2": "3"}
    link = ShipHeroOrderLink.objects.get()
    assert link.linked_by == seller and link.line_map == {"555": "2"}
    # The next call for the same ShipHero order uses the stored link.
    post_shiphero(
        client,
        shiphero_endpoint,
        payload_for([item("RETAIL-77", 3, sku="unknown-sku", item_id=555)], order_id="900001") | {"account_id": 1},
    )
    run_tasks()
    assert ShipHeroWebhook.objects.latest("id").sales_order == sales_order


def test_a_payload_for_another_trading_partner_is_ignored(client, shiphero_endpoint, sales_order):
    shiphero_endpoint.shop_name = "big-retailer"
    shiphero_endpoint.save()
    post_shiphero(client, shiphero_endpoint, payload_for([item("C-1-1", 1)], partner="small-retailer"))
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.IGNORED and "does not match this webhook's shop_name" in hook.problem


def test_delivered_for_a_cancelled_order_needs_attention(client, shiphero_endpoint, sales_order):
    SalesOrder.objects.filter(pk=sales_order.pk).update(status=SalesStatus.CANCELLED)
    post_shiphero(client, shiphero_endpoint, payload_for([item("C-1-2", 1)]))
    run_tasks()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.NEEDS_ATTENTION and "cancelled by the customer" in hook.problem


def test_support_replays_a_stored_call_and_delivered_is_never_sent_twice(
    client, shiphero_endpoint, network, supplier, seller, support
):
    post_shiphero(client, shiphero_endpoint, payload_for([item("C-1-1", 5)]))
    run_tasks()
    assert ShipHeroWebhook.objects.get().state == WebhookState.NEEDS_ATTENTION  # C-1 is not here yet
    party.customer_place_order(
        network["so"],
        customer_company="Customer Company AB",
        order_number="C-1",
        lines=[party.CustomerLine("Bearing", Decimal(50), Decimal(4), date.today())],
    )
    inbox.sync(supplier.pk)
    sales.sales_confirm_as_requested(order=SalesOrder.objects.get(order_number="C-1"), user=seller)
    hook = ShipHeroWebhook.objects.get()
    client.force_login(seller)
    assert client.post(reverse("shipments:webhook_replay", args=[hook.pk])).status_code == 403
    client.force_login(support)
    client.post(reverse("shipments:webhook_replay", args=[hook.pk]))
    hook.refresh_from_db()
    assert hook.state == WebhookState.DELIVERED
    client.post(reverse("shipments:webhook_replay", args=[hook.pk]))
    assert OutboxMessage.objects.filter(document_type="StatusMessage Delivered").count() == 1
    assert hook.inbox.audit.filter(action="reprocess").count() == 2


def test_a_call_whose_task_was_lost_is_processed_by_the_tick(client, shiphero_endpoint, sales_order):
    post_shiphero(client, shiphero_endpoint, payload_for([item("C-1-1", 5)]))
    hook = ShipHeroWebhook.objects.get()
    OrmQ.objects.all().delete()  # the worker died with the task
    assert outgoing.process_stale(older_than_seconds=60) == 0  # too fresh: its task may still run
    ShipHeroWebhook.objects.filter(pk=hook.pk).update(received_at=hook.received_at - timedelta(minutes=5))
    from exchange.tasks import tick

    tick()
    hook.refresh_from_db()
    assert hook.state == WebhookState.DELIVERED


# -- end to end over HTTP ----------------------------------------------------------------------------
def test_sandbox_fires_the_webhook_over_http_and_jakamo_shows_delivered(live_server, shiphero_endpoint, sales_order):
    url = f"{live_server.url}{reverse('shiphero_webhook', args=[shiphero_endpoint.pk])}"
    payload = payload_for([item("C-1-1", 50, sku="coca-lata"), item("C-1-2", 10, sku="shaft-9", item_id=2)])
    started = time.monotonic()
    fired = party.fire_shiphero_webhook(url, SHIPHERO_SECRET, payload)
    elapsed = time.monotonic() - started
    assert fired.status == 200 and json.loads(fired.answer) == SUCCESS and elapsed < 10
    again = party.fire_shiphero_webhook(url, SHIPHERO_SECRET, payload, message_id=fired.message_id)
    assert again.status == 200
    run_tasks()
    send_all()
    hook = ShipHeroWebhook.objects.get()
    assert hook.state == WebhookState.DELIVERED and hook.times_seen == 2 and hook.outbox.status == "sent"
    jakamo = JakamoOrder.objects.get(order_number="C-1")
    assert all(jakamo.state[line]["delivered"] for line in ("1", "2"))
    assert jakamo.state["2"]["delivered_quantity"] == "10"
    sales_order.refresh_from_db()
    assert sales_order.status == SalesStatus.DELIVERED
    bad = party.fire_shiphero_webhook(url, "wrong", payload)
    assert bad.status == 401 and WebhookRejection.objects.count() == 1


def test_a_deepcopy_of_the_example_keeps_unknown_fields_in_the_stored_body(client, shiphero_endpoint):
    example = deepcopy(shiphero_examples()["courier"])
    example["shipping_details"]["insurance"] = {"amount": 12}
    post_shiphero(client, shiphero_endpoint, example)
    assert json.loads(bytes(ShipHeroWebhook.objects.get().inbox.body))["shipping_details"]["insurance"] == {
        "amount": 12
    }
