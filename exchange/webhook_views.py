"""Jakamo's webhook pushes in (one endpoint per PO, SO and ASN integration), the portal's OAuth2
token endpoint for them, and the integration admin's "set up the webhook" action. Thin: the rules
are in ``exchange.webhooks``."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common import jakamo_face as face
from common.params import declared_length, max_body
from mappings.models import Integration

from . import webhooks

admin_only = permission_required("common.manage_integrations", raise_exception=True)


@csrf_exempt
@login_not_required
@require_POST
def jakamo_webhook(request, pk):
    """Jakamo calls this with the queued message; it authenticates with the webhook's credentials."""
    integration = Integration.objects.filter(pk=pk, enabled=True).first()
    if integration is None or not integration.accepts_pushes:
        raise Http404("No Jakamo webhook here.")
    remote = request.META.get("REMOTE_ADDR")
    declared = declared_length(request)
    why = webhooks.authenticated(integration, face.read_authorization(request.headers.get("Authorization")))
    if why:
        webhooks.refuse(integration, why, status=webhooks.UNAUTHENTICATED, remote_addr=remote, size=declared)
        refused = face.errors(face.AUTHENTICATION_FAILED, status=webhooks.UNAUTHENTICATED)
        refused["WWW-Authenticate"] = 'Basic realm="jakamo-webhook", Bearer'
        return refused
    # Checked after authentication, as on Jakamo's face: an unknown caller learns nothing more.
    try:
        body = request.body if declared <= max_body() else None
    except RequestDataTooBig:
        body = None
    if body is None or len(body) > max_body():
        webhooks.refuse(integration, "too_large", status=webhooks.TOO_LARGE, remote_addr=remote, size=declared)
        return face.errors(face.TOO_LARGE, status=webhooks.TOO_LARGE)
    status, _row = webhooks.receive(integration, body, dict(request.headers))
    if status != 200:
        # Not stored: Jakamo keeps the entry in its queue and the next sync brings it.
        return face.errors(face.SERVER_ERROR, status=status)
    return face.xml("<Info>Message received</Info>")


@csrf_exempt
@login_not_required
@require_POST
def webhook_token(request):
    """OAuth2 client credentials (RFC 6749 4.4) for Jakamo's webhook form, answered like Jakamo's own."""
    if request.POST.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    client = face.token_client(request)
    if client is None:
        return JsonResponse(
            {
                "error": "invalid_request",
                "error_description": "Authenticate the client one way: HTTP Basic or the form fields.",
            },
            status=400,
        )
    issued = webhooks.issue_token(*client)
    if issued is None:
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
        )
    token, lifetime = issued
    return JsonResponse({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


@admin_only
@require_POST
def webhook_credentials(request, pk):
    """New credentials for Jakamo's webhook form, shown this once (stored encrypted)."""
    integration = get_object_or_404(Integration, pk=pk)
    if not integration.is_jakamo:
        raise Http404("Only Jakamo integrations receive Jakamo webhooks.")
    credentials = webhooks.generate_credentials(integration)
    response = render(
        request,
        "exchange/webhook_credentials.html",
        {"integration": integration, "credentials": credentials, "setup": setup(request, integration)},
    )
    response["Cache-Control"] = "no-store"
    return response


def setup(request, integration: Integration) -> dict:
    """What to enter in Jakamo's webhook form for this integration."""
    return {
        "name": f"Jakamo Portal – {integration.name}",
        "payload_url": request.build_absolute_uri(reverse("jakamo_webhook", args=[integration.pk])),
        "token_url": request.build_absolute_uri(reverse("jakamo_webhook_token")),
    }
