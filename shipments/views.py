"""Shipment pages and the ShipHero webhook endpoint. Thin: check permission, validate, call a
service, redirect with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from common.errors import Refused
from common.params import declared_length
from jakamo import shiphero
from jakamo.errors import DocumentError
from mappings.models import Integration, Kind

from . import incoming, outgoing, selectors
from .forms import ItemLinkForm, ShipmentFilterForm, ShipmentReceiveForm, WebhookFilterForm, WebhookLinkForm
from .models import ShipHeroWebhook, Shipment, ShipmentItem, ShipmentStatus, WebhookRejection

view_shipments = permission_required("common.view_shipments", raise_exception=True)
receive_perm = permission_required("common.receive_goods", raise_exception=True)
deliver_perm = permission_required("common.deliver_sales_orders", raise_exception=True)
reprocess_perm = permission_required("common.reprocess_messages", raise_exception=True)


@view_shipments
def shipment_list(request):
    form = ShipmentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if wants_csv(request):
        return csv_response(
            "shipments",
            ["shipment", "asn_id", "supplier", "dispatched", "status", "items", "unlinked_items", "received"],
            (
                [
                    s.shipment_number,
                    s.asn_id,
                    s.supplier_company_name or s.dispatch_company_name,
                    s.dispatched_at,
                    s.get_status_display(),
                    s.item_count,
                    s.unlinked_count,
                    s.received_at,
                ]
                for s in selectors.shipments(filters).iterator(chunk_size=2000)
            ),
        )
    page = Paginator(selectors.shipments(filters), 50).get_page(request.GET.get("page"))
    selectors.attach_lines(page.object_list)
    return render(
        request,
        "shipments/list.html",
        {"form": form, "page": page, "filters": filters, "counts": selectors.attention_counts()},
    )


@view_shipments
def shipment_detail(request, pk):
    shipment = get_object_or_404(Shipment.objects.select_related("integration", "inbox"), pk=pk)
    units = list(shipment.units.prefetch_related("items__order_line__order"))
    can_receive = request.user.has_perm("common.receive_goods")
    form = None
    if can_receive and shipment.status != ShipmentStatus.RECEIVED:
        form = ShipmentReceiveForm(plan=incoming.receiving_plan(shipment))
    unlinked = [item for unit in units for item in unit.items.all() if item.order_line_id is None]
    counts = selectors.line_counts([shipment]).get(shipment.pk, [])
    return render(
        request,
        "shipments/detail.html",
        {
            "shipment": shipment,
            "units": units,
            "form": form,
            "unlinked": unlinked,
            "can_receive": can_receive,
            "counts": counts,
            "short": shipment.status != ShipmentStatus.EXPECTED and any(c.short for c in counts),
            "receipts": shipment.receipts.prefetch_related("receipts__line__order", "receipts__batch"),
        },
    )


@receive_perm
@require_POST
def shipment_receive(request, pk):
    shipment = get_object_or_404(Shipment, pk=pk)
    form = ShipmentReceiveForm(request.POST, plan=incoming.receiving_plan(shipment))
    if not form.is_valid():
        messages.error(request, _("Nothing was received: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(shipment)
    data = form.cleaned_data
    try:
        record = incoming.shipment_receive(
            shipment=shipment,
            user=request.user,
            quantities=form.quantities(),
            received_date=data["received_date"],
            event_date=data.get("event_date"),
            note=data.get("note", ""),
        )
    except incoming.ShipmentRefused as exc:
        messages.error(request, str(exc))
    else:
        orders = sorted({r.order.order_number for r in record.receipts.select_related("order")})
        messages.success(
            request,
            _("Received. The Received status for order %(v1)s is on its way to Jakamo.") % {"v1": ", ".join(orders)},
        )
    return redirect(shipment)


@receive_perm
@require_POST
def item_link(request, pk):
    shipment = get_object_or_404(Shipment, pk=pk)
    form = ItemLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not linked: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(shipment)
    item = get_object_or_404(ShipmentItem, pk=form.cleaned_data["item"], shipment=shipment)
    try:
        incoming.item_link(
            item=item,
            order_number=form.cleaned_data["order_number"],
            line_id=form.cleaned_data["line_id"],
            user=request.user,
        )
    except incoming.ShipmentRefused as exc:
        messages.error(request, _("Not linked: %(v1)s") % {"v1": exc})
    else:
        messages.success(
            request,
            _("Linked to order %(v1)s line %(v2)s.")
            % {"v1": item.order_line.order.order_number, "v2": item.order_line.line_id},
        )
    return redirect(shipment)


# -- ShipHero ---------------------------------------------------------------------------------------
@view_shipments
def webhook_list(request):
    form = WebhookFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.webhooks(filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "shipments/webhook_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "counts": selectors.attention_counts(),
            "rejections": WebhookRejection.objects.select_related("integration")[:20],
        },
    )


@view_shipments
def webhook_detail(request, pk):
    hook = get_object_or_404(
        ShipHeroWebhook.objects.select_related("integration", "inbox", "sales_order", "outbox"), pk=pk
    )
    doc, problem = None, ""
    try:
        doc = shiphero.parse_shipment_asn(bytes(hook.inbox.body))
    except DocumentError as exc:
        problem = str(exc)
    link_form = None
    if doc is not None and request.user.has_perm("common.deliver_sales_orders"):
        link_form = WebhookLinkForm(
            initial={"order_number": hook.sales_order.order_number if hook.sales_order else ""},
            line_items=doc.line_items(),
        )
    return render(
        request,
        "shipments/webhook_detail.html",
        {
            "hook": hook,
            "doc": doc,
            "parse_problem": problem,
            "packing": outgoing.packing_rows(doc) if doc else [],
            "link_form": link_form,
            "can_link": hook.state not in ("invalid", "delivered"),
        },
    )


@deliver_perm
@require_POST
def webhook_link(request, pk):
    hook = get_object_or_404(ShipHeroWebhook, pk=pk)
    doc = shiphero.parse_shipment_asn(bytes(hook.inbox.body)) if hook.state != "invalid" else None
    form = WebhookLinkForm(request.POST, line_items=doc.line_items() if doc else [])
    if not form.is_valid():
        messages.error(request, _("Not linked: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(hook)
    try:
        hook = outgoing.link_by_hand(hook=hook, order=form.sales_order, user=request.user, line_map=form.line_map())
    except Refused as exc:
        messages.error(request, _("Not linked: %(v1)s") % {"v1": exc.message})
    else:
        level = messages.warning if hook.state == "needs_attention" else messages.success
        level(request, f"Linked to {form.sales_order.order_number}: {hook.get_state_display()}. {hook.problem}".strip())
    return redirect(hook)


@reprocess_perm
@require_POST
def webhook_replay(request, pk):
    hook = get_object_or_404(ShipHeroWebhook, pk=pk)
    try:
        hook = outgoing.replay(hook, request.user)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.info(
            request, (_("Replayed: %(v1)s. %(v2)s") % {"v1": hook.get_state_display(), "v2": hook.problem}).strip()
        )
    return redirect(hook)


@login_not_required
@csrf_exempt
@require_POST
def shiphero_endpoint(request, pk):
    """ShipHero calls this; it authenticates with the HMAC signature, not a session."""
    integration = Integration.objects.filter(pk=pk, kind=Kind.SHIPHERO, enabled=True, archived_at__isnull=True).first()
    if integration is None:
        raise Http404("No ShipHero webhook here.")
    remote = request.META.get("REMOTE_ADDR")
    message_id = request.headers.get(shiphero.MESSAGE_ID_HEADER, "")
    limit = outgoing.max_body_bytes()
    declared = declared_length(request)
    if declared > limit:
        answer = outgoing.reject(
            integration,
            f"The body is {declared:,} bytes; the limit is {limit:,} bytes.",
            status=outgoing.TOO_LARGE,
            remote_addr=remote,
            message_id=message_id,
            size=declared,
        )
    else:
        try:
            body = request.body
        except RequestDataTooBig:
            answer = outgoing.reject(
                integration,
                f"The body is over the limit of {limit:,} bytes.",
                status=outgoing.TOO_LARGE,
                remote_addr=remote,
                size=declared,
            )
        else:
            answer = outgoing.receive(integration, body, dict(request.headers), remote_addr=remote)
    return JsonResponse(answer.body, status=answer.status)
