"""Big orders: what the portal does with an order must not cost a query per line or batch. Each
test runs the same step on a 5-line and a 30-line order (after a 2-line one) (two delivery batches a line) and requires
the same number of queries, so a per-line query that comes back fails here, whatever the bound.
bench/big_orders.py measures the times at 100, 1,000 and 5,000 lines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.bulk import bulk_insert, bulk_update, bulk_update_rows
from exchange.models import InboxMessage
from jakamo import ubl
from jakamo.ubl_build import build_order_document
from orders.models import Confirmation, DeliveryBatch, OrderStatus, PurchaseOrder, Receipt
from orders.purchase import services
from sandbox import demo
from sandbox.services import response_from_order
from tests.helpers import acknowledged_message, buyer_integration

# 30 lines, not more: SQLite takes at most 999 parameters a query, so Django splits a bulk insert
# of 60 batch rows (13 columns) into more queries beyond about 76 rows. PostgreSQL inserts any
# number of rows in one query (Django's UNNEST insert), and bench/big_orders.py shows it flat.
SMALL, BIG = 5, 30
WARM = 2  # a first run fills the caches (session, permissions, content types) before counting
SIZES = (WARM, SMALL, BIG)
LATER = date.today() + timedelta(days=60)


def big_order(number: str, lines: int) -> ubl.OrderDocument:
    """demo.sample_order with ``lines`` lines of 100, each in two batches of 50 a fortnight apart."""
    doc = demo.sample_order(number, lines=lines)
    for line in doc.lines:
        first = line.deliveries[0]
        first.quantity = ubl.Quantity(Decimal(50), "PCE")
        line.deliveries.append(
            ubl.Delivery(
                id=f"{number}-{line.id}-2",
                quantity=ubl.Quantity(Decimal(50), "PCE"),
                requested_end_date=first.requested_end_date + timedelta(days=14),
            )
        )
    return doc


def placed(number: str, lines: int, purchaser) -> PurchaseOrder:
    return services.purchase_order_create(
        integration=buyer_integration(purchaser), document=big_order(number, lines), user=purchaser
    )


def response_for(order: PurchaseOrder) -> ubl.OrderDocument:
    """The supplier's answer: every line confirmed, and on some lines a later date, a higher price
    or a batch added (split off the first), as the benchmark's supplier answers."""
    response = response_from_order(services.order_document(order), status=ubl.CONFIRMED)
    for n, line in enumerate(response.lines, 1):
        if n % 3 == 1:
            for d in line.deliveries:
                d.promised_start_date = d.promised_end_date = LATER
        elif n % 3 == 2:
            line.price = ubl.Price(ubl.Amount(Decimal(135), "EUR"), ubl.Quantity(Decimal(10), "PCE"))
        else:
            line.deliveries[0].quantity = ubl.Quantity(Decimal(40), "PCE")
            line.deliveries.append(
                ubl.Delivery(
                    id=f"{line.deliveries[0].id}.1",
                    quantity=ubl.Quantity(Decimal(10), "PCE"),
                    promised_end_date=LATER,
                    status="Open",
                )
            )
        line.line_status_code = ubl.CONFIRMED_WITH_CHANGES
    return response


def inbox_for(order: PurchaseOrder, response: ubl.OrderDocument) -> InboxMessage:
    return acknowledged_message(
        order.integration,
        build_order_document(response),
        document_type="OrderResponse",
        document_key=order.order_number,
    )


def confirmed(number: str, lines: int, purchaser) -> tuple[PurchaseOrder, Confirmation]:
    order = placed(number, lines, purchaser)
    response = response_for(order)
    confirmation = services.confirmation_record(inbox=inbox_for(order, response), response=response)
    order.refresh_from_db()
    assert confirmation.decision == Confirmation.Decision.PENDING
    return order, confirmation


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def same_for_both(step, bound: int):
    """``step(size)`` costs as many queries at BIG lines as at SMALL, and at most ``bound``."""
    step(WARM)
    small, big = queries(lambda: step(SMALL)), queries(lambda: step(BIG))
    assert big == small, f"{small} queries at {SMALL} lines, {big} at {BIG}: a query per line came back"
    assert big <= bound, f"{big} queries (at most {bound} expected)"


@pytest.mark.django_db
def test_creating_an_order_costs_the_same_queries_at_any_size(purchaser):
    same_for_both(lambda size: placed(f"C-{size}", size, purchaser), bound=25)


@pytest.mark.django_db
def test_the_erp_endpoint_costs_the_same_queries_at_any_size(client, purchaser):
    from orders.purchase.intake import erp_client_create

    token = erp_client_create(name="ERP", integration=buyer_integration(purchaser))[1]

    def post(size):
        body = build_order_document(big_order(f"E-{size}", size))
        response = client.post(
            "/orders/erp/orders/", body, content_type="application/xml", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 201, response.content

    same_for_both(post, bound=25)


@pytest.mark.django_db
def test_applying_an_order_response_costs_the_same_queries_at_any_size(purchaser):
    def apply(size):
        order = PurchaseOrder.objects.get(order_number=f"A-{size}")
        response = response_for(order)
        inbox = inbox_for(order, response)
        confirmation = services.confirmation_record(inbox=inbox, response=response)
        assert confirmation.decision == Confirmation.Decision.PENDING
        assert DeliveryBatch.objects.filter(line__order=order, added_by_supplier=True).count() == size // 3

    for size in SIZES:
        placed(f"A-{size}", size, purchaser)
    same_for_both(apply, bound=30)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["order", "review"])
def test_the_order_and_review_pages_cost_the_same_queries_at_any_size(client, purchaser, page):
    client.force_login(purchaser)
    urls = {}
    for size in SIZES:
        order, confirmation = confirmed(f"P-{size}", size, purchaser)
        urls[size] = (
            order.get_absolute_url()
            if page == "order"
            else reverse("orders:confirmation_review", args=[order.pk, confirmation.version])
        )

    def get(size):
        response = client.get(urls[size])
        assert response.status_code == 200
        text = response.content.decode()
        assert text.count('name="accept_' if page == "review" else "<tr") >= size

    same_for_both(get, bound=20)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["accept", "reject", "lines"])
def test_deciding_costs_the_same_queries_at_any_size(client, purchaser, action):
    client.force_login(purchaser)
    orders = {size: confirmed(f"D-{size}", size, purchaser)[0] for size in SIZES}

    def decide(size):
        data = {"note": "ok"}
        if action == "lines":
            data.update({f"accept_{n}": "on" for n in range(1, size + 1, 2)})
        response = client.post(reverse("orders:confirmation_decide", args=[orders[size].pk, 1, action]), data)
        assert response.status_code == 302
        assert Confirmation.objects.get(order=orders[size]).decision != Confirmation.Decision.PENDING

    same_for_both(decide, bound=30)


@pytest.mark.django_db
def test_receiving_costs_the_same_queries_at_any_size(client, purchaser):
    client.force_login(purchaser)
    orders = {}
    for size in SIZES:
        order, confirmation = confirmed(f"G-{size}", size, purchaser)
        services.confirmation_accept(confirmation=confirmation, user=purchaser)
        orders[size] = order

    def page(size):
        text = client.get(orders[size].get_absolute_url()).content.decode()
        assert text.count('name="qty_') == DeliveryBatch.objects.filter(line__order=orders[size]).count()

    def every_batch(size):
        data = {"received_date": date.today().isoformat()}
        for pk in DeliveryBatch.objects.filter(line__order=orders[size]).values_list("pk", flat=True):
            data[f"qty_{pk}"] = "5"
        client.post(reverse("orders:receive", args=[orders[size].pk]), data)
        assert PurchaseOrder.objects.get(pk=orders[size].pk).status == OrderStatus.STARTED_RECEIVING

    def everything(size):
        client.post(
            reverse("orders:receive", args=[orders[size].pk]), {"received_date": "2026-12-01", "everything": "on"}
        )
        assert PurchaseOrder.objects.get(pk=orders[size].pk).status == OrderStatus.RECEIVED

    same_for_both(page, bound=21)  # 20, and one for the live page's change stamp (common/live.py)
    same_for_both(every_batch, bound=30)
    same_for_both(everything, bound=30)


@pytest.mark.django_db
def test_bulk_update_saves_what_djangos_would(purchaser):
    """common.bulk.bulk_update (one UPDATE … FROM unnest on PostgreSQL) against the values set:
    numbers, dates, text, None, and a column that is None on every row."""
    order = placed("B-1", 3, purchaser)
    batches = list(DeliveryBatch.objects.filter(line__order=order).order_by("pk"))
    for n, batch in enumerate(batches):
        batch.agreed_quantity = None if n % 2 else Decimal("12.3456")
        batch.agreed_date = date(2027, 1, n + 1)
        batch.tracking_number = f"T-{n} ’quoted’"
        batch.promised_date = None
    assert bulk_update(batches, ["agreed_quantity", "agreed_date", "tracking_number", "promised_date"]) == len(batches)
    assert bulk_update([], ["agreed_quantity"]) == 0
    for n, batch in enumerate(DeliveryBatch.objects.filter(line__order=order).order_by("pk")):
        assert batch.agreed_quantity == (None if n % 2 else Decimal("12.3456"))
        assert batch.agreed_date == date(2027, 1, n + 1)
        assert batch.tracking_number == f"T-{n} ’quoted’"
        assert batch.promised_date is None
        assert batch.quantity == 50  # untouched


@pytest.mark.django_db
def test_bulk_update_rows_saves_the_values_given(purchaser):
    """common.bulk.bulk_update_rows: the rows given as (pk, values…), a foreign key by its id, the
    other rows and fields untouched."""
    order = placed("B-3", 3, purchaser)
    batches = list(DeliveryBatch.objects.filter(line__order=order).order_by("pk"))
    other_line = order.lines.order_by("pk").last()
    rows = [
        (b.pk, None if n % 2 else Decimal("7.25"), date(2027, 4, n + 1), f"’T{n}’", other_line.pk)
        for n, b in enumerate(batches[:2])
    ]
    fields = ["agreed_quantity", "promised_date", "tracking_number", "line_id"]
    assert bulk_update_rows(DeliveryBatch, fields, rows) == 2
    assert bulk_update_rows(DeliveryBatch, fields, []) == 0
    for n, batch in enumerate(DeliveryBatch.objects.filter(pk__in=[b.pk for b in batches]).order_by("pk")):
        if n < 2:
            assert batch.agreed_quantity == (None if n % 2 else Decimal("7.25"))
            assert (batch.promised_date, batch.tracking_number, batch.line_id) == (
                date(2027, 4, n + 1),
                f"’T{n}’",
                other_line.pk,
            )
        else:
            assert (batch.agreed_quantity, batch.line_id) == (batches[n].agreed_quantity, batches[n].line_id)
        assert batch.quantity == batches[n].quantity  # a field not given


@pytest.mark.django_db
def test_move_many_saves_the_fields_also_named_on_every_row(purchaser):
    """common.transitions.move_many with ``also``: the named fields of every row given are saved,
    moved or not, with the statuses; only the rows that moved are recorded as moved."""
    from common.transitions import StatusChange
    from orders import transitions as tr

    order = placed("B-4", 3, purchaser)
    lines = list(order.lines.order_by("pk"))
    for n, line in enumerate(lines):
        line.confirmed_quantity = Decimal(n + 1)
    before = StatusChange.objects.count()
    moved = tr.move_many(
        tr.PURCHASE_LINE,
        lines,
        lambda line: ubl.CONFIRMED if line.pk == lines[0].pk else None,
        why="test",
        also=["confirmed_quantity"],
    )
    assert moved == 1 and StatusChange.objects.count() == before + 1
    saved = list(order.lines.order_by("pk"))
    assert [line.confirmed_quantity for line in saved] == [1, 2, 3]
    assert [line.status for line in saved] == [ubl.CONFIRMED, "", ""]


@pytest.mark.django_db
def test_values_apart_writes_a_body_as_given_and_puts_the_cursors_back():
    """common.db.values_apart: a body written inside reads back byte for byte, and the queries after
    it bind as before (Django's cursor class again)."""
    from django.db import connection

    from common.db import values_apart
    from exchange.models import InboxMessage
    from mappings.models import Integration

    integration = Integration.objects.create(name="values apart", kind="purchase_order")
    body = ("<x>ä’\\x00 ' \" " + "y" * 100_000 + "</x>").encode()
    connection.ensure_connection()
    before = connection.connection.cursor_factory if connection.vendor == "postgresql" else None
    with values_apart():
        row = InboxMessage.objects.create(integration=integration, status="received", body=body, headers={"a": "’"})
    assert bytes(InboxMessage.objects.get(pk=row.pk).body) == body
    assert InboxMessage.objects.get(pk=row.pk).headers == {"a": "’"}
    if before is not None:
        assert connection.connection.cursor_factory is before


@pytest.mark.django_db
def test_messages_and_documents_compress_with_lz4_where_postgresql_has_it():
    """The initial migrations' lz4_compressed: a message's body and an order's document
    compress with lz4 (PostgreSQL 14+ built with it); other columns keep the server's default."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's column compression")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        if not (cursor.fetchone() or [False])[0]:
            pytest.skip("this server has no lz4")
        cursor.execute(
            "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE (c.relname, a.attname) IN (('exchange_inboxmessage', 'body'), ('exchange_outboxmessage', 'body'), "
            "('orders_purchaseorder', 'document_xml'), ('orders_confirmation', 'document_xml'), "
            "('orders_salesorder', 'document_xml'), ('orders_salesorderversion', 'document_xml'), "
            "('orders_salesconfirmation', 'document_xml'), ('exchange_inboxmessage', 'error'))"
        )
        found = {(table, column): method for table, column, method in cursor.fetchall()}
    assert len(found) == 8
    assert found.pop(("exchange_inboxmessage", "error")) == ""
    assert set(found.values()) == {"l"}, found


@pytest.mark.django_db
def test_bulk_insert_saves_what_bulk_create_would(purchaser):
    """common.bulk.bulk_insert (one INSERT … SELECT FROM unnest on PostgreSQL): the values given,
    the defaults of the fields left out, auto_now_add's time, and the new keys in the rows' order."""
    order = placed("B-2", 2, purchaser)
    line = order.lines.order_by("pk").first()
    fields = ("line_id", "batch_id", "quantity", "agreed_date", "tracking_number")
    rows = [(line.pk, f"X-{n}", None if n % 2 else Decimal("1.5"), date(2027, 2, n + 1), "’q’") for n in range(3)]
    pks = bulk_insert(DeliveryBatch, fields, rows, returning=True)
    assert bulk_insert(DeliveryBatch, fields, []) is None
    assert [b.batch_id for b in DeliveryBatch.objects.filter(pk__in=pks).order_by("pk")] == ["X-0", "X-1", "X-2"]
    for n, pk in enumerate(pks):
        batch = DeliveryBatch.objects.get(pk=pk)
        assert batch.batch_id == f"X-{n}" and batch.line_id == line.pk
        assert batch.quantity == (None if n % 2 else Decimal("1.5"))
        assert batch.agreed_date == date(2027, 2, n + 1) and batch.tracking_number == "’q’"
        assert batch.received_quantity == 0 and batch.added_by_supplier is False  # the model's defaults
        assert batch.promised_date is None
    receipt_pk = bulk_insert(
        Receipt,
        ("order_id", "line_id", "quantity", "received_date", "event_date"),
        [(order.pk, line.pk, Decimal(2), date(2027, 3, 1), date(2027, 3, 2))],
        returning=True,
    )[0]
    receipt = Receipt.objects.get(pk=receipt_pk)
    assert receipt.at is not None and receipt.batch_id is None and receipt.quantity == 2
