"""Sales pages: customer orders waiting for us, one order with its versions, our answers."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from common.errors import Refused
from exchange.models import InboxMessage, OutboxMessage
from orders import selectors
from orders.forms import DeliverForm, SalesAnswerForm
from orders.models import SalesOrder, SalesOrderBatch, SalesOrderLine, SalesStatus
from orders.transitions import SALES_LINE, SALES_ORDER

from . import selectors as sales_selectors
from . import services as sales

view_so = permission_required("common.view_sales_orders", raise_exception=True)
confirm_so = permission_required("common.confirm_sales_orders", raise_exception=True)
deliver_so = permission_required("common.deliver_sales_orders", raise_exception=True)


@view_so
def sales_list(request):
    qs = selectors.sales_orders(request.GET)
    if wants_csv(request):
        return csv_response(
            "sales-orders",
            ["order", "customer_id", "customer", "status", "delivery_due", "version", "received", "currency", "value"],
            (
                [
                    o.order_number,
                    o.customer_id,
                    o.customer_name,
                    o.get_status_display(),
                    o.delivery_due,
                    o.version,
                    o.created_at,
                    o.currency,
                    o.value,
                ]
                for o in qs.iterator(chunk_size=2000)
            ),
        )
    waiting = SalesOrder.objects.filter(status=SalesStatus.WAITING_US).order_by("awaiting_since", "id")[:100]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/sales_list.html",
        {
            "waiting": waiting,
            "page": page,
            "statuses": SalesStatus.choices,
            "filters": request.GET,
            # The waiting list sits above the full list only when nothing is filtered, so that a
            # filtered page shows exactly the orders the filter (and the dashboard's number) means.
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


def _lines(order: SalesOrder, *, with_changes: bool = False) -> list[SalesOrderLine]:
    lines = list(order.lines.prefetch_related(Prefetch("batches", queryset=SalesOrderBatch.objects.order_by("id"))))
    changes = sales_selectors.latest_changes(order) if with_changes else {}
    for line in lines:
        line.status_label = SALES_LINE.label(line.status)
        line.change = changes.get(line.line_id)
    return lines


def _answer_form(order: SalesOrder, lines, data=None) -> SalesAnswerForm:
    return SalesAnswerForm(
        data,
        lines=lines,
        allow_new_batches=order.integration.allow_new_batches,
        allow_draft=order.integration.allow_draft,
    )


def _actions(order: SalesOrder) -> dict:
    """What the order's status lets a person do here, and why not where it does not (the services
    refuse the same, whoever asks)."""
    closed = SALES_ORDER.is_final(order.status)
    status = str(SALES_ORDER.label(order.status)).lower()
    actions = {
        "can_answer": not closed,
        "can_confirm": not closed and bool(order.confirm_url),
        "can_reject": not closed and SALES_ORDER.allows(order.status, SalesStatus.REJECTED),
        "can_deliver": SALES_ORDER.allows(order.status, SalesStatus.DELIVERED) and not closed,
        "why_not": [],
    }
    if closed:
        actions["why_not"].append(
            _("This order is %(status)s: it is closed in Jakamo and takes no more answers or deliveries.")
            % {"status": status}
        )
        return actions
    if not actions["can_confirm"]:
        actions["why_not"].append(_("This order came without a Jakamo-Confirm-Url; confirm it with changes instead."))
    if not actions["can_reject"]:
        actions["why_not"].append(
            _("Jakamo lets a supplier reject an order only before confirming it; this one is %(status)s.")
            % {"status": status}
        )
    if not actions["can_deliver"]:
        actions["why_not"].append(
            _("Only a confirmed order can be marked delivered; this one is %(status)s.") % {"status": status}
        )
    return actions


def _detail(request, order: SalesOrder, *, answer_form=None, deliver_form=None, typed=None, status: int = 200):
    lines = _lines(order, with_changes=True)
    incoming = InboxMessage.objects.filter(integration=order.integration, document_key=order.order_number).defer("body")
    outgoing = OutboxMessage.objects.filter(integration=order.integration, document_key=order.order_number).defer(
        "body"
    )
    timeline = sorted(
        [("in", m.received_at, m) for m in incoming] + [("out", m.created_at, m) for m in outgoing],
        key=lambda t: t[1],
        reverse=True,
    )
    problems = [m for m in outgoing if m.status in ("rejected", "unknown", "blocked")]
    return render(
        request,
        "orders/sales_detail.html",
        {
            "order": order,
            "lines": lines,
            "versions": sales_selectors.versions(order),
            "confirmations": order.confirmations.select_related("user", "outbox").defer("document_xml", "outbox__body"),
            "answer_form": answer_form or _answer_form(order, lines),
            "proposal": sales_selectors.latest_proposal(order),
            "deliver_form": deliver_form or DeliverForm(),
            "typed": typed or {},  # a refused note or reason, shown again as typed
            "timeline": timeline[:100],
            "problems": problems,
            **_actions(order),
        },
        status=status,
    )


@view_so
def sales_detail(request, pk):
    order = get_object_or_404(SalesOrder.objects.select_related("integration"), pk=pk)
    return _detail(request, order)


NOT_SENT = gettext_lazy("Not sent: %(v1)s")


def _act(request, order, func, success: str, *, typed=None, deliver_form=None):
    """Run ``func``; on a refusal the page again with it and what was typed (``typed``: the note or
    reason, ``deliver_form``: the delivery form as filled in)."""
    try:
        func()
    except Refused as exc:
        messages.error(request, NOT_SENT % {"v1": exc.message})
        return _detail(request, order, typed=typed, deliver_form=deliver_form, status=400)
    messages.success(request, success)
    return redirect(order)


@confirm_so
@require_POST
def sales_confirm(request, pk, action):
    if action not in ("as_requested", "reject", "with_changes"):  # nor confirm with changes by mistake
        raise Http404("No such answer.")
    order = get_object_or_404(SalesOrder.objects.select_related("integration"), pk=pk)
    note = request.POST.get("note", "")[:1000]
    if action == "as_requested":
        return _act(
            request,
            order,
            lambda: sales.sales_confirm_as_requested(order=order, user=request.user, note=note),
            _("Confirmed as requested: the simple confirmation is on its way to Jakamo."),
            typed={"note": note},
        )
    if action == "reject":
        reason = request.POST.get("reason", "")
        return _act(
            request,
            order,
            lambda: sales.sales_reject(order=order, user=request.user, reason=reason),
            _("Rejected: the OrderResponse cancelling every line is on its way to Jakamo."),
            typed={"reason": reason},
        )
    form = _answer_form(order, _lines(order), request.POST)

    def again(text):  # the answer as typed stays on the page, with what is wrong
        messages.error(request, NOT_SENT % {"v1": text})
        return _detail(request, order, answer_form=form, status=400)

    beside = _("what is wrong is shown beside its line below; what you typed is kept.")
    if not form.is_valid():
        return again(beside if any(name != "note" for name in form.errors) else form.errors.as_text())
    try:
        answers = form.answers()
    except ValidationError:  # a batch text, placed beside its line
        return again(beside)
    if not answers:
        return again(_("change at least one line, or confirm as requested."))
    try:
        sales.sales_confirm_with_changes(
            order=order, user=request.user, answers=answers, note=form.cleaned_data["note"]
        )
    except Refused as exc:
        elsewhere = form.place(exc)
        return again(" ".join(elsewhere) if elsewhere else beside)
    messages.success(request, _("Confirmed with changes: the OrderResponse is on its way to Jakamo."))
    return redirect(order)


@deliver_so
@require_POST
def sales_deliver(request, pk):
    order = get_object_or_404(SalesOrder, pk=pk)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        messages.error(request, NOT_SENT % {"v1": form.errors.as_text()})
        return _detail(request, order, deliver_form=form, status=400)
    lines = [x.strip() for x in form.cleaned_data["lines"].split(",") if x.strip()] or None
    batches = [x.strip() for x in form.cleaned_data["batches"].split(",") if x.strip()] or None
    return _act(
        request,
        order,
        lambda: sales.sales_deliver(
            order=order,
            user=request.user,
            line_ids=lines,
            batch_ids=batches,
            delivery_date=form.cleaned_data["delivery_date"],
            tracking_number=form.cleaned_data["tracking_number"],
        ),
        _("Delivered: the status is on its way to Jakamo."),
        deliver_form=form,
    )
