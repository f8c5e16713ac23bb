"""CSV export of filtered lists, the retention rule for raw bodies, and the health endpoint."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exchange import inbox as inbox_engine
from exchange.models import InboxMessage, OutboxMessage
from exchange.retention import remove_old_bodies
from operations.models import Heartbeat
from orders.models import SalesOrder, SalesStatus
from tests.helpers import order_with_confirmation

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_purchase_orders_export_follows_the_filters(client, purchaser):
    for n in range(3):
        order_with_confirmation(f"E-{n}", purchaser)
    order_with_confirmation("=HYPERLINK(1)", purchaser)
    client.force_login(purchaser)
    everything = rows(client.get(reverse("orders:purchase_list"), {"format": "csv"}))
    assert everything[0][:3] == ["order", "supplier_id", "supplier"] and len(everything) == 5
    assert [r[0] for r in everything if "HYPERLINK" in r[0]] == ["'=HYPERLINK(1)"]  # no formula in Excel
    one = rows(client.get(reverse("orders:purchase_list"), {"format": "csv", "q": "E-1"}))
    assert [r[0] for r in one[1:]] == ["E-1"]


def test_sales_export(client, seller, so_integration):
    SalesOrder.objects.create(integration=so_integration, order_number="S-1", customer_id="C", customer_name="Åke Oy")
    SalesOrder.objects.create(
        integration=so_integration, order_number="S-2", customer_id="C", status=SalesStatus.DELIVERED
    )
    client.force_login(seller)
    data = rows(client.get(reverse("orders:sales_list"), {"format": "csv", "status": "waiting_us"}))
    assert [r[0] for r in data[1:]] == ["S-1"] and data[1][2] == "Åke Oy"


def test_shipments_export(client, purchaser, asn_integration):
    from shipments.models import Shipment

    Shipment.objects.create(integration=asn_integration, asn_id="1", shipment_number="SH-1")
    client.force_login(purchaser)
    data = rows(client.get(reverse("shipments:list"), {"format": "csv"}))
    assert data[0][0] == "shipment" and [r[0] for r in data[1:]] == ["SH-1"]


def test_messages_export_has_every_row_not_one_page(client, support, po_integration):
    for n in range(230):
        InboxMessage.objects.create(
            integration=po_integration, status="processed", body=b"x", content_hash=str(n), document_key=f"K{n}"
        )
    OutboxMessage.objects.create(
        integration=po_integration, operation="order", document_type="Order", document_key="OUT", status="blocked"
    )
    client.force_login(support)
    data = rows(client.get(reverse("exchange:message_list"), {"format": "csv"}))
    assert len(data) == 1 + 231
    blocked = rows(client.get(reverse("exchange:message_list"), {"format": "csv", "status": "blocked"}))
    assert [r[0] for r in blocked[1:]] == ["out"] and blocked[1][4] == "OUT"


def test_exports_need_the_same_permission_as_the_list(client, seller):
    client.force_login(seller)
    assert client.get(reverse("orders:purchase_list"), {"format": "csv"}).status_code == 403
    assert client.get(reverse("exchange:message_list"), {"format": "csv"}).status_code == 403


def _message(integration, status, days_old, body=b"<Order>secret-ish</Order>"):
    row = InboxMessage.objects.create(
        integration=integration, status=status, body=body, content_hash=hashlib.sha256(body).hexdigest()
    )
    InboxMessage.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(days=days_old))
    return row


def test_retention_removes_only_settled_old_bodies(po_integration):
    old_processed = _message(po_integration, "processed", 100)
    old_duplicate = _message(po_integration, "duplicate", 100, b"<dup/>")
    young_processed = _message(po_integration, "processed", 10, b"<young/>")
    keep = [_message(po_integration, status, 100, status.encode()) for status in ("failed", "received", "acknowledged")]
    sent = OutboxMessage.objects.create(
        integration=po_integration,
        operation="order",
        document_type="Order",
        document_key="A",
        status="sent",
        body=b"<a/>",
    )
    unsent = [
        OutboxMessage.objects.create(
            integration=po_integration, operation="order", document_type="Order", document_key=s, status=s, body=b"<b/>"
        )
        for s in ("pending", "blocked", "retry", "rejected", "unknown", "cancelled")
    ]
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(days=100))

    assert remove_old_bodies(90, dry_run=True).inbox == 2 and InboxMessage.objects.get(pk=old_processed.pk).body
    result = remove_old_bodies(90)
    assert (result.inbox, result.outbox) == (2, 1)

    old_processed.refresh_from_db()
    assert bytes(old_processed.body) == b"" and old_processed.body_removed_at is not None
    assert old_processed.body_size == len(b"<Order>secret-ish</Order>")
    assert old_processed.content_hash == hashlib.sha256(b"<Order>secret-ish</Order>").hexdigest()
    assert old_processed.status == "processed"  # the row and its metadata stay
    old_duplicate.refresh_from_db()
    assert old_duplicate.body_removed_at is not None
    sent.refresh_from_db()
    assert sent.content_hash == hashlib.sha256(b"<a/>").hexdigest() and bytes(sent.body) == b""
    young_processed.refresh_from_db()
    assert bytes(young_processed.body) == b"<young/>"
    for row in keep:
        row.refresh_from_db()
        assert bytes(row.body) and row.body_removed_at is None
    for row in unsent:
        row.refresh_from_db()
        assert bytes(row.body) == b"<b/>" and row.body_removed_at is None
    assert remove_old_bodies(90).inbox == 0  # nothing twice

    with pytest.raises(inbox_engine.Refused, match="removed by retention") as refused:
        inbox_engine.reprocess(old_processed)
    assert refused.value.code


def test_the_retention_command_and_the_page_after_it(client, support, po_integration):
    row = _message(po_integration, "processed", 200)
    out = io.StringIO()
    call_command("remove_old_bodies", "--days", "90", stdout=out)
    assert "Removed the bodies of 1 incoming and 0 outgoing" in out.getvalue()
    client.force_login(support)
    page = client.get(row.get_absolute_url()).content.decode()
    assert 'id="body-removed"' in page and row.content_hash in page
    response = client.post(reverse("exchange:inbox_reprocess", args=[row.pk]), follow=True)
    assert "removed by retention" in response.content.decode()
    with pytest.raises(Exception, match="at least one day"):
        call_command("remove_old_bodies", "--days", "0", stdout=io.StringIO())


def test_health_reports_database_and_cluster(client):
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True and body["cluster"]["ok"] is False
    assert "qcluster" in body["cluster"]["error"]

    Heartbeat.objects.create(name="cluster", at=timezone.now() - timedelta(seconds=20), node="n1")
    response = client.get("/health/")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")

    Heartbeat.objects.filter(name="cluster").update(at=timezone.now() - timedelta(minutes=10))
    response = client.get("/health/")
    assert response.status_code == 503 and "old" in response.json()["cluster"]["error"]


def test_health_says_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError

    from operations import health

    class Broken:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: Broken())
    response = client.get("/health/")
    assert response.status_code == 503 and "connection refused" in response.json()["database"]["error"]
