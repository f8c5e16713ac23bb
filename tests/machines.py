"""Random sequences of both parties' moves on purchase orders, through the real outbox and inbox
against the sandbox over HTTP, checking after every step that the portal says what Jakamo holds
(hypothesis ``RuleBasedStateMachine``). tests/orders/test_state_machine.py runs a bounded number of
sequences; ``bench/soak.py`` runs thousands and prints how many steps and sequences it tried.

Not a test module: the test and the soak both take the machine from here."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from common.errors import Refused
from common.transitions import StatusChange
from exchange import inbox
from jakamo import ubl
from jakamo.ubl_parse import parse_order_document
from orders import transitions as tr
from orders.models import DeliveryBatch, PurchaseOrder
from orders.purchase import services
from sandbox import demo, party
from sandbox import jakamo_rules as rules
from sandbox import services as jakamo
from sandbox.models import Order as JakamoOrder
from sandbox.models import OrderStatus as JakamoStatus
from tests.helpers import send_all

NUMBERS = itertools.count(1)
STATS = Counter()  # steps, sequences and moves by kind, for the soak's report
SOON = date.today() + timedelta(days=20)
LATER = date.today() + timedelta(days=60)


def jakamo_line_status(order: JakamoOrder, line_id: str) -> str:
    """A line's status as Jakamo holds it: its receiving or cancellation state, else what the
    supplier's latest OrderResponse says of it, else none yet."""
    state = (order.state or {}).get(line_id, {})
    if state.get("status"):
        return state["status"]
    requested = jakamo.requested_doc(order).line(line_id)
    if requested is not None and rules.line_is_cancelled(requested):
        return ubl.CANCELLED
    confirmed = jakamo.confirmed_doc(order)
    rejection = confirmed is not None and all(c.line_status_code == ubl.CANCELLED for c in confirmed.lines)
    if rejection and order.status != JakamoStatus.REJECTED:
        return ""  # a rejection the purchaser's revision answered: nothing confirmed yet
    line = confirmed.line(line_id) if confirmed else None
    return (line.line_status_code or "") if line else ""


class PurchaseOrders(RuleBasedStateMachine):
    """Set ``buyer`` and ``purchaser`` on the class before running (the test's fixtures)."""

    buyer = None
    purchaser = None
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self.seen_final: dict[int, str] = {}
        self.mine: list[int] = []  # the database outlives a sequence: each checks only its own orders
        STATS["sequences"] += 1

    def settle(self, move: str):
        """What the task cluster does between moves: send what is queued, take in what arrived."""
        send_all()
        inbox.sync(self.buyer.pk)
        STATS["steps"] += 1
        STATS[move] += 1

    @staticmethod
    def jakamo(pk) -> JakamoOrder:
        return JakamoOrder.objects.get(order_number=PurchaseOrder.objects.get(pk=pk).order_number)

    # -- the purchaser ------------------------------------------------------------------------
    @initialize(target=orders, lines=st.integers(1, 3))
    def first_order(self, lines):
        return self.place(lines)

    @rule(target=orders, lines=st.integers(1, 3))
    def order(self, lines):
        return self.place(lines)

    def place(self, lines):
        number = f"SM-{next(NUMBERS):06d}"
        order = services.purchase_order_create(
            integration=self.buyer,
            document=demo.sample_order(number, lines=lines, quantity=Decimal(100)),
            user=self.purchaser,
        )
        self.mine.append(order.pk)
        self.settle("order")
        return order.pk

    def _decide(self, pk, how, data):
        order = PurchaseOrder.objects.get(pk=pk)
        pending = order.confirmations.filter(decision="pending").first()
        if pending is None:
            return
        try:
            if how == "accept":
                services.confirmation_accept(confirmation=pending, user=self.purchaser)
            elif how == "reject":
                services.confirmation_reject(confirmation=pending, user=self.purchaser, note="no")
            else:
                lines = [line.line_id for line in order.lines.all() if data.draw(st.booleans())]
                services.confirmation_decide_lines(confirmation=pending, user=self.purchaser, accepted_lines=lines)
        except Refused as refused:
            assert refused.code in {"below_received", "order_closed"}, refused.code
        self.settle(f"purchaser {how}")

    @rule(pk=orders, how=st.sampled_from(["accept", "reject", "lines"]), data=st.data())
    def decide(self, pk, how, data):
        self._decide(pk, how, data)

    @rule(pk=orders, data=st.data())
    def revise(self, pk, data):
        order = PurchaseOrder.objects.get(pk=pk)
        document = services.order_document(order)
        single = [line for line in document.lines if len(line.deliveries) == 1 and not ubl_cancelled(line)]
        if not single:
            return
        line = data.draw(st.sampled_from(single))
        quantity = Decimal(data.draw(st.integers(10, 150)))
        line.quantity = ubl.Quantity(quantity, "PCE")
        line.deliveries[0].quantity = ubl.Quantity(quantity, "PCE")
        document.kind = ubl.ORDER
        try:
            services.purchase_order_revise(order=order, document=document, user=self.purchaser)
        except Refused as refused:
            assert refused.code in {"below_received", "order_closed"}, refused.code
        self.settle("purchaser revises")

    @rule(pk=orders, data=st.data())
    def cancel_line(self, pk, data):
        order = PurchaseOrder.objects.get(pk=pk)
        open_lines = [line.line_id for line in order.lines.exclude(status__in=["Cancelled", "Received"])]
        if len(open_lines) < 2:
            return
        try:
            services.purchase_order_cancel_lines(
                order=order, line_ids=[data.draw(st.sampled_from(open_lines))], user=self.purchaser
            )
        except Refused as refused:
            assert refused.code in {"order_closed", "line_received"}, refused.code
        self.settle("purchaser cancels a line")

    @rule(pk=orders)
    def cancel(self, pk):
        order = PurchaseOrder.objects.get(pk=pk)
        try:
            services.purchase_order_cancel(order=order, user=self.purchaser)
        except Refused as refused:
            assert refused.code in {"order_closed", "receiving_started"}, refused.code
            assert not services.can_cancel(order)
        self.settle("purchaser cancels")

    @rule(pk=orders, data=st.data())
    def receive(self, pk, data):
        order = PurchaseOrder.objects.get(pk=pk)
        batches = [
            b
            for b in DeliveryBatch.objects.filter(line__order=order).select_related("line")
            if b.open_quantity > 0 and not b.line.is_cancelled
        ]
        if not batches or not services.can_receive(order):
            return
        batch = data.draw(st.sampled_from(batches))
        amount = Decimal(data.draw(st.integers(1, int(batch.open_quantity))))
        services.goods_receive(
            order=order, user=self.purchaser, quantities={(batch.line.line_id, batch.batch_id): amount}
        )
        self.settle("purchaser receives")

    # -- the supplier ---------------------------------------------------------------------------
    @rule(pk=orders, data=st.data())
    def supplier_confirms(self, pk, data):
        jorder = self.jakamo(pk)
        requested = jakamo.requested_doc(jorder)
        changes = {}
        for line in requested.lines:
            how = data.draw(
                st.sampled_from(["as asked", "as asked", "quantity", "price", "date", "split", "open", "draft"])
            )
            single = len(line.deliveries) == 1
            if how == "quantity" and single:
                changes[line.id] = party.LineChange(quantity=Decimal(data.draw(st.integers(20, 120))))
            elif how == "price":
                changes[line.id] = party.LineChange(price=Decimal(data.draw(st.sampled_from([11, 13]))))
            elif how == "date":
                changes[line.id] = party.LineChange(promised_date=LATER)
            elif how == "split" and single and line.quantity and line.quantity.value > 10:
                changes[line.id] = party.LineChange(new_batches=[(Decimal(10), SOON)])
            elif how == "open":
                changes[line.id] = party.LineChange(leave_open=True)
            elif how == "draft" and jorder.buyer_integration.allow_draft:
                changes[line.id] = party.LineChange(draft=True)
        try:
            party.supplier_confirm(jorder, changes)
        except party.PartyActionError:
            return
        self.settle("supplier confirms")

    @rule(pk=orders)
    def supplier_rejects(self, pk):
        try:
            party.supplier_reject(self.jakamo(pk), note="cannot")
        except party.PartyActionError:
            return
        self.settle("supplier rejects")

    @rule(pk=orders)
    def supplier_delivers(self, pk):
        jorder = self.jakamo(pk)
        if not jorder.confirmed_xml:
            return
        party.supplier_deliver(jorder, tracking_number=f"T{next(NUMBERS)}")
        self.settle("supplier delivers")

    # -- what must hold after every step --------------------------------------------------------
    @invariant()
    def the_portal_says_what_jakamo_holds(self):
        for order in PurchaseOrder.objects.filter(pk__in=self.mine).prefetch_related("lines__batches"):
            jorder = JakamoOrder.objects.get(order_number=order.order_number)
            assert order.get_status_display() == jorder.status, (order.order_number, order.status, jorder.status)
            if order.status == "rejected":
                continue  # the lines keep their statuses for the supplier's next answer (README)
            requested = parse_order_document(jorder.requested_xml)
            for line in order.lines.all():
                if requested.line(line.line_id) is None:
                    continue
                assert line.status == jakamo_line_status(jorder, line.line_id), (
                    order.order_number,
                    line.line_id,
                    line.status,
                    jakamo_line_status(jorder, line.line_id),
                )

    @invariant()
    def batches_add_up_and_receipts_stay_within_what_is_agreed(self):
        for order in PurchaseOrder.objects.filter(pk__in=self.mine).prefetch_related("lines__batches"):
            for line in order.lines.all():
                batches = list(line.batches.all())
                for b in batches:
                    assert b.received_quantity <= (b.agreed_quantity or 0), (order.order_number, b.batch_id)
                if line.is_cancelled or line.agreed_quantity is None:
                    continue
                agreed = [b.agreed_quantity for b in batches if b.agreed_quantity is not None]
                assert sum(agreed) == line.agreed_quantity, (order.order_number, line.line_id, agreed)

    @invariant()
    def nothing_leaves_a_final_state_and_every_change_is_recorded(self):
        for order in PurchaseOrder.objects.filter(pk__in=self.mine):
            before = self.seen_final.get(order.pk)
            assert before is None or before == order.status, (order.order_number, before, order.status)
            if tr.PURCHASE_ORDER.is_final(order.status):
                self.seen_final[order.pk] = order.status
            last = StatusChange.objects.filter(model="orders.purchaseorder", object_id=order.pk).last()
            assert last is not None and last.after == order.status, (order.order_number, order.status)
            for line in order.lines.all():
                changes = StatusChange.objects.filter(model="orders.purchaseorderline", object_id=line.pk)
                if line.status:
                    assert changes.last() is not None and changes.last().after == line.status


def ubl_cancelled(line: ubl.OrderLine) -> bool:
    return line.line_status_code == ubl.CANCELLED
