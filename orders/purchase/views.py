"""Purchasers' and sales pages. Thin: load with a permission check, validate with a form, call a
service, redirect with a message."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from common.errors import Refused
from common.params import max_body
from orders import deviations as dv
from orders import selectors
from orders.forms import AcceptForm, LinesForm, ReceiveForm, RejectForm, UploadForm
from orders.models import Confirmation, DeliveryBatch, OrderStatus, PurchaseOrder
from orders.transitions import PURCHASE_LINE

from . import form_views, services

view_po = permission_required("common.view_purchase_orders", raise_exception=True)
review = permission_required("common.review_confirmations", raise_exception=True)
receive_perm = permission_required("common.receive_goods", raise_exception=True)


@view_po
def purchase_list(request):
    if wants_csv(request):
        return csv_response(
            "purchase-orders",
            [
                "order",
                "supplier_id",
                "supplier",
                "purchaser",
                "created",
                "status",
                "ordered",
                "agreed",
                "last_confirmed",
                "currency",
            ],
            (
                [
                    o.order_number,
                    o.supplier_id,
                    o.supplier_name,
                    o.purchaser.username if o.purchaser else "",
                    o.created_at,
                    o.get_status_display(),
                    o.ordered_total,
                    o.agreed_total,
                    o.confirmed_total,
                    o.currency,
                ]
                for o in selectors.purchase_orders(request.GET).iterator(chunk_size=2000)
            ),
        )
    page = Paginator(selectors.purchase_orders(request.GET), 50).get_page(request.GET.get("page"))
    return render(
        request, "orders/purchase_list.html", {"page": page, "statuses": OrderStatus.choices, "filters": request.GET}
    )


@review
def review_queue(request):
    page = Paginator(selectors.review_queue(request.GET), 50).get_page(request.GET.get("page"))
    return render(
        request, "orders/review_queue.html", {"page": page, "kinds": dv.KIND_LABELS.items(), "filters": request.GET}
    )


@view_po
def purchase_detail(request, pk):
    try:
        order = selectors.order_page(pk)
    except PurchaseOrder.DoesNotExist:
        raise Http404 from None
    confirmations = list(order.confirmations.all())
    lines = list(order.lines.all())
    for line in lines:
        line.status_label = PURCHASE_LINE.label(line.status)
    # Only what is agreed and still open is offered; a rejected or cancelled order offers nothing.
    receivable = services.can_receive(order)
    open_batches = [b for line in lines if not line.is_cancelled for b in line.batch_rows if b.open_quantity > 0]
    # The page renders one input per open batch and line itself (qty_<batch pk>, line_<line id>:
    # ReceiveForm's names); a bound field per batch rendered through the form renderer took
    # seconds on a 5,000-line order. The form gives the dates.
    form = ReceiveForm() if receivable and open_batches else None
    fmt = _Formats()
    shipped = selectors.shipping(order)
    return render(
        request,
        "orders/purchase_detail.html",
        {
            "order": order,
            "lines": lines,
            "line_rows": _line_rows(lines, confirmations[0] if confirmations else None, fmt),
            "confirmations": confirmations,
            "latest": confirmations[0] if confirmations else None,
            "noted": next((c for c in confirmations if c.supplier_note), None),
            "pending": next((c for c in confirmations if c.decision == Confirmation.Decision.PENDING), None),
            "send_problems": selectors.send_problems(order),
            "shortfalls": shipped.shortfalls,
            "timeline": selectors.order_timeline(order, confirmations, shipped),
            "receive_form": form,
            "receive_rows": _receive_rows(open_batches, fmt) if form else "",
            "receive_lines": _line_boxes(list(dict.fromkeys(b.line.line_id for b in open_batches)), receive=True)
            if form
            else "",
            "cancel_boxes": _line_boxes(
                [line.line_id for line in lines if not line.is_cancelled and line.status != "Received"], receive=False
            ),
            "not_receivable": _not_receivable(order, receivable),
            "can_cancel": services.can_cancel(order),
            "can_review": request.user.has_perm("common.review_confirmations"),
            "can_receive": request.user.has_perm("common.receive_goods"),
            "can_manage": request.user.has_perm("common.manage_purchase_orders"),
        },
    )


class _Formats:
    """Each distinct number and date formatted once, with the template's own filters (floatformat,
    date:"SHORT_DATE_FORMAT") in the request's language."""

    def __init__(self):
        self.numbers, self.dates = {}, {}

    def number(self, value, places) -> str:
        key = (value, places)
        if key not in self.numbers:
            self.numbers[key] = str(floatformat(value, places))
        return self.numbers[key]

    def day(self, value, empty="") -> str:
        if value is None:
            return empty
        if value not in self.dates:
            self.dates[value] = escape(date_filter(value, "SHORT_DATE_FORMAT"))
        return self.dates[value] or empty


def _line_rows(lines, latest, fmt: _Formats) -> str:
    """The rows of the order page's lines table (a row per delivery batch), as its template wrote
    them. Written here rather than in the template: the template engine spent some 300 µs a row
    resolving and filtering a dozen values, seconds for 10,000 batches. Text is escaped as the
    template escapes it (Django's escape is the standard library's)."""
    # Each text is looked up outside the f-strings: gettext's extractor does not read inside them,
    # so a _() there never reached the catalogue and stayed English.
    added_text, not_agreed_text, awaiting_text = _("added by supplier"), _("not agreed"), _("awaiting decision")
    added = f' <span class="badge warn">{escape(added_text)}</span>'
    not_agreed = f'<span class="muted">{escape(not_agreed_text)}</span>'
    pending = latest is not None and latest.decision == "pending"
    differs = f' <span class="badge warn">{escape(awaiting_text if pending else not_agreed_text)}</span>'
    per = escape(_("per"))
    dash = "—"
    rows = []
    for line in lines:
        span = len(line.batch_rows)
        muted = ' class="muted"' if line.is_cancelled else ""
        for n, b in enumerate(line.batch_rows):
            cells = [f"<tr{muted}>"]
            if n == 0:
                price = line.agreed_unit_price if line.agreed_unit_price is not None else line.unit_price
                sellers = f" / {escape(line.sellers_item_id)}" if line.sellers_item_id else ""
                cells.append(
                    f'<th rowspan="{span}">{escape(line.line_id)}</th>\n      <td rowspan="{span}">'
                    f'{escape(line.item_name)}<br><span class="muted">{escape(line.buyers_item_id)}{sellers} · '
                    f"{fmt.number(price, 4)} {per} {escape(line.unit_code or 'unit')}</span></td>"
                )
            if b.confirmed_quantity is not None:
                confirmed = (
                    f"{fmt.number(b.confirmed_quantity, -4)} {fmt.day(b.promised_date)}"
                    f"{differs if b.confirmation_differs else ''}"
                )
            else:
                confirmed = "—"
            tracking = f" <code>{escape(b.tracking_number)}</code>" if b.tracking_number else ""
            cells.append(
                f"\n      <td>{escape(b.batch_id)}{added if b.added_by_supplier else ''}</td>\n"
                f'      <td class="num">{fmt.number(b.quantity, -4) if b.quantity is not None else ""}<br>'
                f'<span class="muted">{fmt.day(b.requested_date)}</span></td>\n'
                f'      <td class="num agreed">'
                f"{not_agreed if b.agreed_quantity is None else fmt.number(b.agreed_quantity, -4)}</td>\n"
                f"      <td>{fmt.day(b.agreed_date, '—')}</td>\n"
                f'      <td class="confirmed">{confirmed}</td>\n'
                f"      <td>{fmt.day(b.delivered_date)}{tracking}</td>\n"
                f'      <td class="num">{fmt.number(b.received_quantity, -4)}</td>\n'
                f'      <td class="num still">{dash if b.agreed_quantity is None or line.is_cancelled else fmt.number(b.open_quantity, -4)}</td>\n      '
            )
            if n == 0:
                cells.append(f'<td rowspan="{span}" class="line-status">{escape(line.status_label)}</td>')
            cells.append("\n    </tr>")
            rows.append("".join(cells))
    return mark_safe("\n    ".join(rows))


def _receive_rows(batches, fmt: _Formats) -> str:
    """The receive form's rows, one input per open batch (named as ReceiveForm's fields), each
    named for screen readers by its line and batch."""
    label = _("Received now, line %(line)s, batch %(batch)s")
    return mark_safe(
        "\n  ".join(
            f"<tr><td>{escape(b.line.line_id)}</td><td>{escape(b.batch_id)}</td>"
            f'<td class="num">{fmt.number(b.open_quantity, -4)}</td>'
            f'<td><input type="number" name="qty_{b.pk}" min="0" step="0.0001" id="id_qty_{b.pk}" '
            f'aria-label="{escape(label % {"line": b.line.line_id, "batch": b.batch_id})}"></td></tr>'
            for b in batches
        )
    )


def _line_boxes(line_ids, *, receive: bool) -> str:
    """A checkbox per line, each followed by a space: the whole lines to receive (line_<id>, as
    ReceiveForm names them) or the lines to cancel (lines=<id>)."""
    word = escape(_("line"))
    ids = [escape(line_id) for line_id in line_ids]
    if receive:
        return mark_safe(
            "".join(f'<label><input type="checkbox" name="line_{i}" id="id_line_{i}"> {word} {i}</label> ' for i in ids)
        )
    return mark_safe(
        "".join(f'<label><input type="checkbox" name="lines" value="{i}"> {word} {i}</label> ' for i in ids)
    )


def _compare_rows(comparison, fmt: _Formats) -> str:
    """The review page's side-by-side rows (a row per line and per batch), as its template wrote
    them, without the template engine's work per value (seconds at 5,000 lines)."""
    dash = "—"
    # Each distinct value localized once: Decimal("5") and Decimal("5.0") are equal but read apart.
    localized: dict[tuple[type, str], str] = {}

    def plain(value) -> str:  # {{ value|default_if_none:"—" }}
        if value is None:
            return dash
        key = (value.__class__, str(value))
        text = localized.get(key)
        if text is None:
            text = localized[key] = escape(localize(value))
        return text

    added_text = _("added")  # outside the f-string, where gettext's extractor finds it
    added = f' <span class="badge warn">{escape(added_text)}</span>'
    rows = []
    for line in comparison.lines:
        quantity_differs = any(d.kind == dv.QUANTITY and not d.batch_id for d in line.deviations)
        price_differs = any(d.kind == dv.PRICE for d in line.deviations)
        rows.append(
            '<tr class="line">\n'
            f"      <th>{escape(line.line_id)}</th><td></td><td>{escape(PURCHASE_LINE.label(line.status)) if line.status else dash}</td>\n"
            f'      <td class="num">{plain(line.ordered_quantity)}</td>\n'
            f'      <td class="num{" deviates" if quantity_differs else ""}">{plain(line.confirmed_quantity)}</td>\n'
            f'      <td class="num">{fmt.number(line.ordered_unit_price, 4) if line.ordered_unit_price is not None else ""}'
            "</td>\n"
            f'      <td class="num{" deviates" if price_differs else ""}">'
            f"{fmt.number(line.confirmed_unit_price, 4) if line.confirmed_unit_price is not None else ''}</td>\n"
            "      <td></td><td></td>\n    </tr>"
        )
        for b in line.batches:
            later = b.promised_date and b.requested_date and b.promised_date != b.requested_date
            rows.append(
                f'<tr class="batch{" added" if b.added else ""}">\n'
                f"      <td></td><td>{escape(b.batch_id)}{added if b.added else ''}</td><td></td>\n"
                f'      <td class="num">{plain(b.ordered_quantity)}</td>\n'
                f'      <td class="num{" deviates" if b.ordered_quantity != b.confirmed_quantity else ""}">'
                f"{plain(b.confirmed_quantity)}</td>\n"
                "      <td></td><td></td>\n"
                f"      <td>{fmt.day(b.requested_date, dash)}</td>\n"
                f'      <td class="{"deviates" if later else ""}">{fmt.day(b.promised_date, dash)}</td>\n    </tr>'
            )
    return mark_safe("\n    ".join(rows))


def _accept_boxes(line_ids) -> str:
    """Line by line: a box per line (accept_<line id>, LinesForm's names and labels), each saying
    that a box left unticked rejects its line."""
    label = _("Accept line %(line)s")
    unticked = escape(_("left unticked, it is rejected"))
    return mark_safe(
        "".join(
            f'<p><label for="id_accept_{i}">{escape(label % {"line": line_id})}:</label> '
            f'<input type="checkbox" name="accept_{i}" id="id_accept_{i}" aria-describedby="unticked_{i}"> '
            f'<span class="muted" id="unticked_{i}">({unticked})</span></p>'
            for line_id, i in ((line_id, escape(line_id)) for line_id in line_ids)
        )
    )


def _not_receivable(order, receivable: bool) -> str:
    """Why the page offers no receiving, when it offers none."""
    if order.status == OrderStatus.REJECTED:
        return _("The supplier rejected this order: nothing was agreed, so nothing can be received.")
    if order.status == OrderStatus.CANCELLED:
        return _("This order is cancelled: nothing can be received.")
    if order.status == OrderStatus.RECEIVED or receivable:
        return _("Everything agreed on this order is received.")
    return ""


@view_po  # read-only for those who may not decide: the order page links every version here
def confirmation_review(request, pk, version):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    confirmation = get_object_or_404(Confirmation, order=order, version=version)
    from jakamo.ubl_parse import parse_order_document

    comparison = dv.compare(
        services.order_document(order),
        parse_order_document(confirmation.document_xml),
        compare_sellers_item_id=order.integration.compare_sellers_item_id,
    )
    flagged = {(d.line_id, d.batch_id, d.kind) for d in comparison.deviations}
    return render(
        request,
        "orders/review.html",
        {
            "order": order,
            "confirmation": confirmation,
            "comparison": comparison,
            "flagged": flagged,
            "versions": order.confirmations.defer("document_xml").order_by("-version"),
            "accept_form": AcceptForm(),
            "reject_form": RejectForm(),
            # One checkbox per line, written by the template (accept_<line id>: LinesForm's names);
            # rendering a bound field per line through the form renderer took seconds at 5,000 lines.
            "lines_form": LinesForm(),
            "accept_boxes": _accept_boxes([line.line_id for line in comparison.lines]),
            "compare_rows": _compare_rows(comparison, _Formats()),
        },
    )


DECISIONS = ("accept", "reject", "lines")


def _decision(request, pk, version, action):
    if action not in DECISIONS:  # a mistyped address must not decide line by line with no line accepted
        raise Http404("No such decision.")
    # The services read the documents themselves, under their lock: not twice megabytes here.
    confirmations = Confirmation.objects.select_related("order").defer("document_xml", "order__document_xml")
    confirmation = get_object_or_404(confirmations, order_id=pk, version=version)
    if action == "accept":
        form = AcceptForm(request.POST)
    elif action == "reject":
        form = RejectForm(request.POST)
    else:
        form = LinesForm(request.POST, line_ids=confirmation.order.lines.values_list("line_id", flat=True))
    if not form.is_valid():
        messages.error(request, _("Not decided: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("orders:confirmation_review", pk=pk, version=version)
    note = form.cleaned_data["note"]
    try:
        if action == "accept":
            services.confirmation_accept(
                confirmation=confirmation,
                user=request.user,
                note=note,
                emphasize_original=form.cleaned_data["emphasize_original"],
            )
            messages.success(request, _("Accepted: the simple confirmation is on its way to Jakamo."))
        elif action == "reject":
            services.confirmation_reject(confirmation=confirmation, user=request.user, note=note)
            messages.success(request, _("Rejected: an OrderChange with the ordered values is on its way to Jakamo."))
        else:
            accepted = form.accepted()
            services.confirmation_decide_lines(
                confirmation=confirmation, user=request.user, accepted_lines=accepted, note=note
            )
            taken = set(accepted)
            rejected = [line_id for line_id in form.line_ids if line_id not in taken]
            messages.success(
                request,
                _(
                    "Decided line by line: accepted %(accepted)s; rejected %(rejected)s (their ordered values "
                    "restated). The OrderChange is on its way to Jakamo."
                )
                % {"accepted": _lines_named(accepted), "rejected": _lines_named(rejected)},
            )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("orders:confirmation_review", pk=pk, version=version)
    return redirect(confirmation.order)


def _lines_named(line_ids) -> str:
    if not line_ids:
        return _("no line")
    return _("line %(lines)s") % {"lines": ", ".join(line_ids)}


@review
@require_POST
def confirmation_decide(request, pk, version, action):
    return _decision(request, pk, version, action)


@receive_perm
@require_POST
def goods_receive(request, pk):
    order = get_object_or_404(PurchaseOrder.objects.defer("document_xml"), pk=pk)  # receiving does not read it
    if request.POST.get("everything"):
        quantities = None
        form = ReceiveForm({"received_date": request.POST.get("received_date")}, batches=[])
        valid = "received_date" not in form.errors if not form.is_valid() else True
    else:
        form = ReceiveForm(request.POST, batches=_posted_batches(order, request.POST))
        valid = form.is_valid()
        quantities = form.quantities() if valid else None
    if not valid:
        messages.error(request, _("Not received: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(order)
    data = form.cleaned_data
    try:
        services.goods_receive(
            order=order,
            user=request.user,
            quantities=quantities,
            received_date=data.get("received_date"),
            event_date=data.get("event_date"),
        )
    except Refused as exc:
        messages.error(request, _("Not received: %(v1)s") % {"v1": exc.message})
    else:
        messages.success(request, _("Received: the Received status is on its way to Jakamo."))
    return redirect(order)


@dataclass(frozen=True, slots=True)
class _Line:
    line_id: str


@dataclass(frozen=True, slots=True)
class _Batch:
    """What ReceiveForm reads of a batch, without a model instance for it and its line."""

    pk: int
    batch_id: str
    line: _Line


def _posted_batches(order, posted) -> list[_Batch]:
    """The batches the receive form posted a field for (qty_<pk>, or line_<line id> for the whole
    line): a field left out is a field left empty, and the page posts one per open batch."""
    rows = DeliveryBatch.objects.filter(line__order=order).values_list("pk", "batch_id", "line__line_id")
    return [
        _Batch(pk, batch_id, _Line(line_id))
        for pk, batch_id, line_id in rows
        if f"qty_{pk}" in posted or f"line_{line_id}" in posted
    ]


manage_po = permission_required("common.manage_purchase_orders", raise_exception=True)


def _refused(request, exc: services.OrderRefused, what: str):
    messages.error(request, _("%(v1)s was not sent. ") % {"v1": what} + " · ".join(str(p) for p in exc.problems))


@manage_po
@require_POST
def purchase_upload(request):
    from . import intake

    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Not uploaded: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("orders:purchase_new")
    data = form.cleaned_data["file"].read()
    try:
        order = intake.order_from_xml(form.cleaned_data["integration"], data, request.user)
    except services.OrderRefused as exc:
        _refused(request, exc, f"“{form.cleaned_data['file'].name}”")
        return redirect("orders:purchase_new")
    form_views.say_saved(request, order)
    return redirect(order)


@manage_po
@require_POST
def purchase_change(request, pk, action):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    try:
        if action == "cancel":
            services.purchase_order_cancel(order=order, user=request.user)
            messages.success(request, _("Cancelled: the Cancelled status is on its way to Jakamo."))
        elif action == "cancel_lines":
            services.purchase_order_cancel_lines(order=order, line_ids=request.POST.getlist("lines"), user=request.user)
            messages.success(request, _("Lines cancelled: the OrderChange is on its way to Jakamo."))
        elif action == "revise":
            upload = request.FILES.get("file")
            if upload is None:
                raise Refused("no_file", gettext_lazy("Choose the revised Order XML file."))
            from jakamo.errors import DocumentError
            from jakamo.ubl_parse import parse_order_document

            try:
                if upload.size > max_body():
                    raise Refused(
                        "too_large",
                        gettext_lazy("The file is %(size)s bytes; at most %(limit)s bytes are taken."),
                        size=f"{upload.size:,}",
                        limit=f"{max_body():,}",
                    )
                document = parse_order_document(upload.read())
            except DocumentError as exc:
                raise services.OrderRefused(exc.problems) from None
            document.kind = "Order"
            services.purchase_order_revise(order=order, document=document, user=request.user)
            messages.success(request, _("Revised: the OrderChange is on its way to Jakamo."))
        else:
            raise Http404("No such change.")
    except services.OrderRefused as exc:
        _refused(request, exc, "The change")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect(order)
