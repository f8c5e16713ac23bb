"""Sales pages: customer orders waiting for us, one order with its versions, our answers."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from exchange.models import InboxMessage, OutboxMessage
from jakamo.ubl_parse import parse_order_document
from orders import selectors
from orders.forms import DeliverForm, SalesAnswerForm
from orders.models import SalesOrder, SalesStatus

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
            ["order", "customer_id", "customer", "status", "delivery_due", "version", "received", "currency"],
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


@view_so
def sales_detail(request, pk):
    order = get_object_or_404(SalesOrder.objects.select_related("integration"), pk=pk)
    document = parse_order_document(order.document_xml)
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
            "document": document,
            "versions": order.versions.all(),
            "confirmations": order.confirmations.select_related("user", "outbox"),
            "answer_form": SalesAnswerForm(lines=document.lines),
            "deliver_form": DeliverForm(),
            "timeline": timeline[:100],
            "problems": problems,
        },
    )


def _act(request, order, func, success: str):
    try:
        func()
    except ValueError as exc:
        messages.error(request, _("Not sent: %(v1)s") % {"v1": exc})
    else:
        messages.success(request, success)
    return redirect(order)


@confirm_so
@require_POST
def sales_confirm(request, pk, action):
    if action not in ("as_requested", "reject", "with_changes"):  # nor confirm with changes by mistake
        raise Http404("No such answer.")
    order = get_object_or_404(SalesOrder, pk=pk)
    note = request.POST.get("note", "")[:1000]
    if action == "as_requested":
        return _act(
            request,
            order,
            lambda: sales.sales_confirm_as_requested(order=order, user=request.user, note=note),
            "Confirmed as requested: the simple confirmation is on its way to Jakamo.",
        )
    if action == "reject":
        return _act(
            request,
            order,
            lambda: sales.sales_reject(order=order, user=request.user, reason=request.POST.get("reason", "")),
            "Rejected: the OrderResponse cancelling every line is on its way to Jakamo.",
        )
    form = SalesAnswerForm(request.POST, lines=parse_order_document(order.document_xml).lines)
    if not form.is_valid():
        messages.error(request, _("Not sent: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(order)
    try:
        answers = form.answers()
    except ValidationError as exc:  # the batch text
        messages.error(request, _("Not sent: %(v1)s") % {"v1": " ".join(exc.messages)})
        return redirect(order)
    if not answers:
        messages.error(request, _("Not sent: change at least one line, or confirm as requested."))
        return redirect(order)
    return _act(
        request,
        order,
        lambda: sales.sales_confirm_with_changes(
            order=order, user=request.user, answers=answers, note=form.cleaned_data["note"]
        ),
        "Confirmed with changes: the OrderResponse is on its way to Jakamo.",
    )


@deliver_so
@require_POST
def sales_deliver(request, pk):
    order = get_object_or_404(SalesOrder, pk=pk)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not sent: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(order)
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
        "Delivered: the status is on its way to Jakamo.",
    )
