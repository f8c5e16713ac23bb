"""Admin pages for ERP clients: credentials, what their queue passes, depth, history. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import Refused

from . import services
from .forms import ClientForm, ClientSettingsForm
from .models import GatewayClient

manage = permission_required("common.manage_integrations", raise_exception=True)


def _endpoints(request) -> dict:
    base = request.build_absolute_uri(reverse("gateway_api:order")).removesuffix("/api/order")
    return {"base_url": base, "token_url": request.build_absolute_uri(reverse("gateway_api:token"))}


@manage
def client_list(request):
    clients = list(GatewayClient.objects.select_related("integration"))
    for client in clients:
        client.queue = services.queue_depth(client)
    return render(request, "gateway/client_list.html", {"clients": clients, **_endpoints(request)})


@manage
def client_new(request):
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, secret = services.client_create(
                name=data["name"],
                integration=data["integration"],
                auth_method=data["auth_method"],
                passes=data["passes"],
            )
        except Refused as exc:
            form.add_error("integration", exc.message)
        else:
            return render(
                request, "gateway/client_secret.html", {"client": client, "secret": secret, **_endpoints(request)}
            )
    return render(request, "gateway/client_new.html", {"form": form})


@manage
def client_detail(request, pk):
    client = get_object_or_404(GatewayClient.objects.select_related("integration"), pk=pk)
    form = ClientSettingsForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(client)
    return render(
        request,
        "gateway/client_detail.html",
        {
            "client": client,
            "form": form,
            "queue": services.queue_depth(client),
            "queue_messages": client.messages.order_by("-id")[:50],
            "requests": client.requests.select_related("outbox")[:50],
            **_endpoints(request),
        },
    )


@manage
@require_POST
def client_rotate(request, pk):
    client = get_object_or_404(GatewayClient, pk=pk)
    secret = services.client_rotate_secret(client)
    return render(request, "gateway/client_secret.html", {"client": client, "secret": secret, **_endpoints(request)})
