"""The new-order and order-change forms, and the order's XML to download: a filled sample to start
from, and an order's current document."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from common.errors import Refused
from exchange.models import OutboxMessage
from jakamo.ubl_build import build_order_document
from orders import selectors
from orders.forms import UploadForm
from orders.models import PurchaseOrder

from . import form_document, intake, order_form, services

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


def _attributes(attrs: dict) -> str:
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


def _field_html(bound) -> str:
    """One field as Django's field template writes it (label, help text, errors, widget with its
    aria attributes), without the template engine: rendered through the form renderer, each field
    cost a few milliseconds, seconds for an order of a few hundred lines."""
    widget = bound.field.widget
    attrs = {**widget.attrs, "id": bound.auto_id, **bound.build_widget_attrs({})}
    value = widget.format_value(bound.value())
    if isinstance(widget, forms.Textarea):
        control = f'<textarea name="{bound.html_name}"{_attributes(attrs)}>\n{escape(value or "")}</textarea>'
    else:
        shown = "" if value is None else f' value="{escape(value)}"'
        control = f'<input type="{widget.input_type}" name="{bound.html_name}"{shown}{_attributes(attrs)}>'
    if widget.is_hidden:
        return control
    parts = [f'<label for="{bound.auto_id}">{escape(bound.label)}:</label>']
    if bound.help_text:
        parts.append(f'<div class="helptext" id="{bound.auto_id}_helptext">{escape(bound.help_text)}</div>')
    if bound.errors:
        items = "".join(f"<li>{escape(e)}</li>" for e in bound.errors)
        parts.append(f'<ul class="errorlist" id="{bound.auto_id}_error">{items}</ul>')
    parts.append(control)
    return "".join(parts)


def _line_html(form, number) -> str:
    """A line's fieldset (orders/purchase_form.html's lines), each field through ``_field_html``."""
    line_id = form.initial.get("line_id")
    legend = escape(_("Line %(number)s") % {"number": number})
    if line_id:
        at_jakamo = _("number %(id)s at Jakamo") % {"id": line_id}
        legend += f' <span class="muted">({escape(at_jakamo)})</span>'
    cells = []
    for bound in form.visible_fields():
        classes = "field" + (" wide" if bound.name in form.WIDE else "") + (" invalid" if bound.errors else "")
        cells.append(f'<div class="{classes}">{_field_html(bound)}</div>')
    hidden = "".join(_field_html(bound) for bound in form.hidden_fields())
    errors = ""
    if form.non_field_errors():
        items = "".join(f"<li>{escape(e)}</li>" for e in form.non_field_errors())
        errors = f'<div class="errors" role="alert"><ul class="errorlist nonfield">{items}</ul></div>'
    return (
        f'<fieldset class="order-line"><legend>{legend}</legend>{hidden}{errors}'
        f'<div class="grid">{"".join(cells)}</div></fieldset>'
    )


def _context(header, lines, **more) -> dict:
    return {
        "header": header,
        "lines": lines,
        "line_forms": mark_safe("\n".join(_line_html(form, n) for n, form in enumerate(lines, 1))),
        "empty_line": mark_safe(_line_html(lines.empty_form, "__number__")),
        **more,
    }


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
    # A problem about a header field reads without its path: the field's name is the form's own.
    said = [p.message if p.path in _HEADER_FIELDS else str(p) for p in exc.problems]
    messages.error(request, _("%(what)s was not sent.") % {"what": what} + " " + " · ".join(said))


def say_saved(request, order: PurchaseOrder):
    """What became of a new order: queued for Jakamo, or held, saying why and what to do."""
    blocked = [m for m in selectors.send_problems(order) if m.status == OutboxMessage.Status.BLOCKED]
    if not blocked:
        messages.success(request, _("Order %(v1)s saved and queued for Jakamo.") % {"v1": order.order_number})
        return
    messages.warning(
        request,
        _(
            "Order %(v1)s is saved but not sent: %(v2)s An integration admin adds the mapping on the "
            "integration's page; the order then goes to Jakamo by itself."
        )
        % {"v1": order.order_number, "v2": " ".join(m.blocked_reason for m in blocked)},
    )


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
            say_saved(request, order)
            return redirect(order)
    return render(request, "orders/purchase_form.html", _context(header, lines, upload=UploadForm(), order=None))


@manage_po
def purchase_edit(request, pk):
    order = get_object_or_404(PurchaseOrder.objects.select_related("integration"), pk=pk)
    # The initial values also when posted: each line's form knows its line and what changed.
    header_initial, line_initials = form_document.form_initial(services.order_document(order))
    if len(line_initials) > order_form.OrderLineFormSet.max_num:
        # More lines than a form takes (and a page a person can work through): its XML can be
        # downloaded, changed and uploaded, as the page says.
        return render(request, "orders/purchase_form.html", {"order": order, "too_many": len(line_initials)})
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
    return render(request, "orders/purchase_form.html", _context(header, lines, order=order, closed=order.is_closed))


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
    return _xml(build_order_document(form_document.sample_order()), "sample-order")
