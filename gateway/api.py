"""Jakamo's PO, SO and ASN APIs, served by the portal under /gateway/jakamo for each ERP client:
the same paths, methods, headers, bodies and answers (texts and status codes) as Jakamo, so that
an ERP connector written for Jakamo only changes its base URL and credentials."""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from jakamo.client import EMPTY_QUEUE_TEXT
from mappings.models import Kind

from . import services
from .models import GatewayRequest

MAX_BODY = 10 * 1024 * 1024
POSTED = "<Info>Message is successfully posted</Info>"


def _xml(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/xml; charset=utf-8")


def _error(refusal: services.GatewayRefusal) -> HttpResponse:
    lines = "".join(f"<error>{escape(t)}</error>" for t in [refusal.text, *refusal.details])
    return _xml(f"<Errors>{lines}</Errors>", refusal.status)


def gateway_api(view):
    """Authentication (Jakamo answers 400 'Authentication failed.'), the body limit, Jakamo-form
    refusals, and one history row per request."""

    @csrf_exempt
    @login_not_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        client = services.authenticate(request.headers.get("Authorization", ""))
        if client is None:
            response = _error(services.GatewayRefusal("authentication_failed"))
        elif int(request.headers.get("Content-Length") or 0) > MAX_BODY:
            response = _error(services.GatewayRefusal("", status=413, text="Request body too large."))
        else:
            try:
                response = view(request, client, *args, **kwargs)
            except services.GatewayRefusal as refusal:
                response = _error(refusal)
        if response.status_code != 405:
            GatewayRequest.objects.create(
                client=client,
                method=request.method,
                path=request.path[:300],
                status=response.status_code,
                document_type=getattr(response, "document_type", "")[:40],
                document_key=getattr(response, "document_key", "")[:200],
                # Refusals are kept word for word; documents read are already in the client's queue.
                answer=response.content[:2000].decode("utf-8", "replace") if response.status_code != 200 else "",
            )
        return response

    return wrapper


def _queue(request, client, *, kinds) -> HttpResponse:
    if client.integration.kind not in kinds:
        raise services.GatewayRefusal("authentication_failed")
    message = services.next_message(client)
    if message is None:
        if client.integration.kind == Kind.ASN:
            return JsonResponse({"message": EMPTY_QUEUE_TEXT})
        return _xml(f"<Status>{EMPTY_QUEUE_TEXT}</Status>")
    response = HttpResponse(bytes(message.body), content_type=f"{message.content_type}; charset=utf-8")
    response["X-Acknowledge-Uri"] = request.build_absolute_uri(reverse("gateway_api:ack", args=[message.ack_token]))
    if message.confirm_token:
        response["Jakamo-Confirm-Url"] = request.build_absolute_uri(
            reverse("gateway_api:confirm", args=[message.confirm_token])
        )
    response["Jakamo-Order-Number"] = message.document_key
    response.document_type, response.document_key = message.document_type, message.document_key
    return response


@gateway_api
@require_http_methods(["GET"])
def response_queue(request, client):
    return _queue(request, client, kinds=(Kind.PURCHASE_ORDER, Kind.SALES_ORDER))


@gateway_api
@require_http_methods(["GET"])
def asn_queue(request, client):
    return _queue(request, client, kinds=(Kind.ASN,))


@gateway_api
@require_http_methods(["POST"])
def acknowledge(request, client, token):
    if not services.acknowledge(client, token):
        raise services.GatewayRefusal("", status=404, text="Message not found.")
    return _xml("<Info>Message cleared from the queue</Info>")


@gateway_api
@require_http_methods(["POST"])
def confirm(request, client, token):
    emphasize = (request.POST.get("EmphasizeOriginalAgreedDetails") or "").lower() in ("true", "1", "on", "yes")
    services.simple_confirm(client, token, note=request.POST.get("Note", ""), emphasize=emphasize)
    return _xml("<Info>Order confirmed</Info>")


def _posted(document_type: str, key: str) -> HttpResponse:
    response = _xml(POSTED)
    response.document_type, response.document_key = document_type, key
    return response


@gateway_api
@require_http_methods(["POST"])
def order(request, client):
    result = services.post_order(client, request.body)
    return _posted("Order", result.order_number)


@gateway_api
@require_http_methods(["PUT"])
def order_status(request, client, order_id):
    services.put_status(client, order_id, request.body)
    return _posted("StatusMessage", order_id)


@gateway_api
@require_http_methods(["POST"])
def order_response(request, client):
    confirmation = services.post_order_response(client, request.body)
    return _posted("OrderResponse", confirmation.order.order_number)


@csrf_exempt
@login_not_required
@require_http_methods(["POST"])
def token(request):
    """OAuth2 client-credentials token endpoint, answering like Jakamo's (Azure AD v2 style)."""
    if request.POST.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    issued = services.issue_token(request.POST.get("client_id", ""), request.POST.get("client_secret", ""))
    if issued is None:
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
        )
    access_token, lifetime = issued
    return JsonResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime})
