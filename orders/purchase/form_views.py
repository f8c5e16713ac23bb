"""The new-order and order-change forms, and the order's XML to download: a filled sample to start
from, and an order's current document."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from common.errors import Refused
from jakamo.ubl_build import build_order_document
from orders.forms import UploadForm
from orders.models import PurchaseOrder

from . import intake, order_form, services

view_po = permission_required("common.view_purchase_orders", raise_exception=True)
manage_po = permission_required("common.manage_purchase_orders", raise_exception=True)


def _filled(lines) -> list:
    return [form for form in lines if form.cleaned_data]


def _rows(lines) -> list[dict]:
    return [form.cleaned_data for form in _filled(lines)]


# Where a refusal's element path points in the forms: (path ending, line form field).
_LINE_FIELDS = (
    ("/LineItem/Quantity", "quantity"),
    ("/LineItem/Price", "price"),
    ("/Item/Name", "item_name"),
    ("/BuyersItemIdentification/ID", "buyers_item_id"),
    ("/SellersItemIdentification/ID", "sellers_item_id"),
)
_HEADER_FIELDS = {"supplier": "supplier", "buyer_contact": "buyer_contact", "Order/ID": "order_number"}
_LINE = re.compile(r"OrderLine\[(\d+)\]")


def _place(problems, header, lines) -> None:
    """Each refusal also beside the field it is about (the message above lists them all): the
    header's field, or the line's field or the line as a whole."""
    filled = _filled(lines)
    for problem in problems:
        field = _HEADER_FIELDS.get(problem.path)
        if field in header.fields:
            header.add_error(field, problem.message)
            continue
        match = _LINE.search(problem.path)
        if match is None or not 0 < int(match.group(1)) <= len(filled):
            continue
        form = filled[int(match.group(1)) - 1]
        rest = problem.path[match.end() :]
        field = next((name for end, name in _LINE_FIELDS if rest.endswith(end)), None)
        if field is None and "/LineItem/Delivery" in rest:
            field = "batches"
        form.add_error(field, problem.message)


def _posted(request):
    """The posted data, with one more line when "Add a line" was pressed without JavaScript (then
    nothing is sent: the page comes back with what was typed and an empty line)."""
    if request.method != "POST":
        return None, False
    if "add_line" not in request.POST:
        return request.POST, False
    data = request.POST.copy()
    key = "lines-TOTAL_FORMS"
    total = int(data[key]) if data.get(key, "").isdigit() else 0
    data[key] = str(min(total + 1, order_form.OrderLineFormSet.max_num))
    return data, True


def _refused(request, exc: services.OrderRefused, what: str):
    messages.error(request, _("%(what)s was not sent.") % {"what": what} + " " + " · ".join(map(str, exc.problems)))


@manage_po
def purchase_new(request):
    data, adding = _posted(request)
    header = order_form.OrderForm(data, prefix="order")
    lines = order_form.OrderLineFormSet(data, prefix="lines")
    if data is not None and not adding and header.is_valid() and lines.is_valid():
        try:
            order = intake.order_from_form(
                header.cleaned_data["integration"], header.cleaned_data, _rows(lines), request.user
            )
        except services.OrderRefused as exc:
            _refused(request, exc, _("The order"))
            _place(exc.problems, header, lines)
        else:
            messages.success(request, _("Order %(v1)s saved and queued for Jakamo.") % {"v1": order.order_number})
            return redirect(order)
    return render(
        request,
        "orders/purchase_form.html",
        {"header": header, "lines": lines, "upload": UploadForm(), "order": None},
    )


@manage_po
def purchase_edit(request, pk):
    order = get_object_or_404(PurchaseOrder.objects.select_related("integration"), pk=pk)
    # The initial values also when posted: each line's form knows its line and what changed.
    header_initial, line_initials = order_form.form_initial(services.order_document(order))
    data, adding = _posted(request)
    header = order_form.OrderForm(data, prefix="order", change=True, initial=header_initial)
    lines = order_form.OrderLineFormSet(data, prefix="lines", change=True, initial=line_initials)
    if data is not None and not adding and header.is_valid() and lines.is_valid():
        try:
            intake.order_change_from_form(order, header.cleaned_data, _rows(lines), request.user)
        except services.OrderRefused as exc:
            _refused(request, exc, _("The change"))
            _place(exc.problems, header, lines)
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Revised: the OrderChange is on its way to Jakamo."))
            return redirect(order)
    return render(
        request,
        "orders/purchase_form.html",
        {"header": header, "lines": lines, "order": order, "closed": order.is_closed},
    )


def _xml(body: bytes | str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    # An order number is the ERP's text: only what is safe in a file name goes into it.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "order"
    response["Content-Disposition"] = f'attachment; filename="{safe}.xml"'
    return response


@view_po
def purchase_xml(request, pk):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    return _xml(order.document_xml, order.order_number)


@view_po
def purchase_sample_xml(request):
    return _xml(build_order_document(order_form.sample_order()), "sample-order")
