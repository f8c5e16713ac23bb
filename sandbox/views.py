"""The sandbox page: play the other party for any order, inject faults, fire ShipHero webhooks."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jakamo.errors import DocumentError

from . import party, push, services
from .forms import CustomerOrderForm, FaultForm, JakamoWebhookForm, OrderActionForm, ShipHeroForm
from .models import Fault, Integration, Message, Order, Push, Webhook


def sandbox_page(view):
    @permission_required("common.use_sandbox", raise_exception=True)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SANDBOX_ENABLED:
            raise Http404("The Jakamo sandbox is disabled.")
        return view(request, *args, **kwargs)

    return wrapper


@sandbox_page
def home(request):
    integrations = Integration.objects.annotate(
        queued=Count("messages", filter=Q(messages__acknowledged_at__isnull=True))
    )
    return render(
        request,
        "sandbox/home.html",
        {
            "integrations": integrations,
            "orders": Order.objects.all()[:200],
            "faults": Fault.objects.select_related("integration"),
            "webhooks": Webhook.objects.order_by("-id")[:10],
            "fault_form": FaultForm(),
            "customer_form": CustomerOrderForm(),
            "shiphero_form": ShipHeroForm(),
            "jakamo_webhook_form": JakamoWebhookForm(),
            "pushes": Push.objects.select_related("message__integration").order_by("-id")[:10],
            "base_url": request.build_absolute_uri("/sandbox/jakamo"),
        },
    )


def state_rows(state: dict) -> list[dict]:
    """Jakamo's per-line and per-batch state as table rows, a row per batch (one for a line without
    batches), so a person reads it rather than the JSON it is kept as."""
    rows = []
    for line_id, line in state.items():
        batches = line.get("batches") or {"": {}}
        for i, (batch_id, batch) in enumerate(batches.items()):
            rows.append(
                {
                    "line": line_id if i == 0 else "",
                    "status": (line.get("status") or "") if i == 0 else "",
                    "batch": batch_id,
                    "received": batch.get("received", ""),
                    "received_date": batch.get("received_date", ""),
                    "delivered": bool(batch.get("delivered") or (line.get("delivered") and i == 0)),
                    "delivered_quantity": line.get("delivered_quantity", "") if i == 0 else "",
                    "tracking_number": line.get("tracking_number", "") if i == 0 else "",
                }
            )
    return rows


@sandbox_page
def order_detail(request, pk):
    order = get_object_or_404(Order, pk=pk)
    return render(
        request,
        "sandbox/order.html",
        {
            "order": order,
            "state_rows": state_rows(order.state),
            "form": OrderActionForm(),
            "queue": Message.objects.filter(order=order).select_related("integration").order_by("-id")[:50],
        },
    )


@sandbox_page
@require_POST
def order_action(request, pk):
    order = get_object_or_404(Order, pk=pk)
    form = OrderActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not done: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("sandbox:order", pk=pk)
    try:
        party.perform_action(order, form.cleaned_data)
    except (party.PartyActionError, DocumentError) as exc:
        messages.error(request, _("Not done: %(v1)s") % {"v1": exc})
    else:
        messages.success(
            request, _("%(v1)s: done.") % {"v1": dict(form.fields["action"].choices)[form.cleaned_data["action"]]}
        )
    return redirect("sandbox:order", pk=pk)


@sandbox_page
@require_POST
def customer_order(request):
    form = CustomerOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not placed: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("sandbox:home")
    data = form.cleaned_data
    line = party.CustomerLine(
        data["item_name"],
        data["quantity"],
        data["unit_price"],
        data["requested_date"],
        sellers_item_id=data["sellers_item_id"],
    )
    try:
        order = party.customer_place_order(
            data["supplier"],
            customer_company=data["customer_company"],
            order_number=data["order_number"],
            lines=[line] * data["lines"],
        )
    except party.PartyActionError as exc:
        messages.error(request, _("Not placed: %(v1)s") % {"v1": exc})
        return redirect("sandbox:home")
    messages.success(
        request,
        _("Customer order %(v1)s is in %(v2)s's queue.") % {"v1": order.order_number, "v2": data["supplier"].company},
    )
    return redirect("sandbox:order", pk=order.pk)


@sandbox_page
@require_POST
def faults(request):
    if request.POST.get("clear"):
        Fault.objects.all().delete()
        messages.success(request, _("All faults cleared."))
        return redirect("sandbox:home")
    form = FaultForm(request.POST)
    if form.is_valid():
        services.add_fault(form.cleaned_data["kind"], form.cleaned_data["count"], form.cleaned_data["integration"])
        messages.success(request, _("Fault armed."))
    else:
        messages.error(request, _("Not armed: %(v1)s") % {"v1": form.errors.as_text()})
    return redirect("sandbox:home")


@sandbox_page
@require_POST
def shiphero(request):
    form = ShipHeroForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not sent: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("sandbox:home")
    data = form.cleaned_data
    payload = party.shiphero_payload(
        kind=data["kind"],
        order_id=data["order_id"],
        shipped=data["shipped"],
        trading_partner_name=data["trading_partner_name"],
        line_items=[
            {
                "order_line_item_id": 1,
                "partner_line_item_id": data["partner_line_item_id"],
                "sku": data["sku"],
                "name": data["sku"],
                "quantity": int(data["quantity"])
                if data["quantity"] == int(data["quantity"])
                else float(data["quantity"]),
            }
        ],
    )
    hook = party.fire_shiphero_webhook(data["url"], data["secret"], payload)
    level = messages.success if hook.status == 200 else messages.error
    level(request, f"Webhook sent: {hook.status or 'no answer'} {hook.answer[:200]}")
    return redirect("sandbox:home")


@sandbox_page
@require_POST
def jakamo_webhook(request):
    form = JakamoWebhookForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect("sandbox:home")
    data = form.cleaned_data
    push.configure(
        data["integration"],
        data["url"],
        auth=data["auth"],
        username=data["username"],
        password=data["password"],
        token_url=data["token_url"],
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        remove_on_success=data["remove_on_success"],
    )
    messages.success(request, _("Webhook saved."))
    return redirect("sandbox:home")
