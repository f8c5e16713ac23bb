"""The simulated Jakamo's HTTP API under /sandbox/jakamo: the documented paths, headers, bodies
and error answers. Thin views: every decision is in ``sandbox.services``."""

from __future__ import annotations

import functools
import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from jakamo.errors import DocumentError

from . import services
from .jakamo_rules import Refusal
from .models import Api, Fault

log = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


def _xml(text: str, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="application/xml; charset=utf-8")
    for key, value in headers.items():
        response[key.replace("_", "-")] = value
    return response


def _error(text: str, status: int = 400) -> HttpResponse:
    # Jakamo's answers are short texts; its C# client reads them from <error> elements.
    from xml.sax.saxutils import escape

    return _xml(f"<Errors><error>{escape(text)}</error></Errors>", status)


def _server_error() -> HttpResponse:
    return _error("An error has occurred.", 500)


def jakamo_api(view):
    """Sandbox switch, authentication (Jakamo answers 400 'Authentication failed.'), the 500 and
    hang faults, body size limit, and Jakamo's answers for refusals and broken documents."""

    @csrf_exempt
    @login_not_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.SANDBOX_ENABLED:
            raise Http404("The Jakamo sandbox is disabled.")
        integration = services.authenticate(request.headers.get("Authorization", ""))
        if integration is None:
            return _error("Authentication failed.")
        fault = services.take_fault(integration, (Fault.Kind.ERROR_500, Fault.Kind.ERROR_503, Fault.Kind.HANG))
        if fault in (Fault.Kind.ERROR_500, Fault.Kind.ERROR_503):
            injected = (
                _server_error()
                if fault == Fault.Kind.ERROR_500
                else HttpResponse("Service Unavailable", status=503, content_type="text/plain")
            )
            injected._has_been_logged = True  # an injected fault, not a server error: keep the log quiet
            return injected
        if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
            return _error("Request body too large.", 413)
        try:
            response = view(request, integration, *args, **kwargs)
        except Refusal as refusal:
            response = _error(refusal.text)
        except DocumentError as exc:
            # Jakamo answers documents it cannot read with its generic 500 (PO document 4).
            log.info("sandbox: unreadable document: %s", exc)
            response = _server_error()
        if fault == Fault.Kind.HANG:
            # The work is done; only the answer comes too late (an "arrived but timed out" send).
            time.sleep(settings.SANDBOX_HANG_SECONDS)
        return response

    return wrapper


def _queue_response(request, integration, *, expected_apis) -> HttpResponse:
    if integration.api not in expected_apis:
        return _error("Authentication failed.")
    message = services.next_message(integration)
    if message is None:
        if integration.api == Api.ASN:
            return JsonResponse({"message": services_empty_text()})
        return _xml(f"<Status>{services_empty_text()}</Status>")
    headers = {
        "X-Acknowledge-Uri": request.build_absolute_uri(reverse("sandbox:ack", args=[message.ack_token])),
    }
    if message.confirm_token:
        headers["Jakamo-Confirm-Url"] = request.build_absolute_uri(
            reverse("sandbox:confirm", args=[message.confirm_token])
        )
    if message.order_number:
        headers["Jakamo-Order-Number"] = message.order_number
    response = HttpResponse(message.body, content_type=f"{message.content_type}; charset=utf-8")
    for key, value in headers.items():
        response[key] = value
    return response


def services_empty_text() -> str:
    from jakamo.client import EMPTY_QUEUE_TEXT

    return EMPTY_QUEUE_TEXT


@jakamo_api
@require_http_methods(["GET"])
def response_queue(request, integration):
    """GET /api/order/response: the PO queue, or the SO queue for SO credentials."""
    return _queue_response(request, integration, expected_apis=(Api.PURCHASE_ORDER, Api.SALES_ORDER))


@jakamo_api
@require_http_methods(["GET"])
def asn_queue(request, integration):
    return _queue_response(request, integration, expected_apis=(Api.ASN,))


@jakamo_api
@require_http_methods(["POST"])
def acknowledge(request, integration, token):
    if not services.acknowledge(token):
        return _error("Message not found.", 404)
    return _xml("<Info>Message cleared from the queue</Info>")


@jakamo_api
@require_http_methods(["POST"])
def confirm(request, integration, token):
    note = request.POST.get("Note", "")
    emphasize = request.POST.get("EmphasizeOriginalAgreedDetails") or None
    services.simple_confirm(token, integration, note=note, emphasize=emphasize)
    return _xml("<Info>Order confirmed</Info>")


@jakamo_api
@require_http_methods(["POST"])
def order(request, integration):
    """POST /api/order: Order or OrderChange from a PO integration."""
    if integration.api != Api.PURCHASE_ORDER:
        raise Refusal("message_required", "Either Order-, OrderChange- or Status-message is required to")
    services.receive_po_document(integration, request.body)
    return _xml("<Info>Message is successfully posted</Info>")


@jakamo_api
@require_http_methods(["PUT"])
def order_status(request, integration, order_id):
    """PUT /api/order/{order_id}: StatusMessage (PO: Cancelled, Received; SO: Delivered)."""
    if integration.api == Api.SALES_ORDER:
        services.receive_so_status(integration, order_id, request.body)
    elif integration.api == Api.PURCHASE_ORDER:
        services.receive_po_status(integration, order_id, request.body)
    else:
        return _error("Authentication failed.")
    return _xml("<Info>Message is successfully posted</Info>")


@jakamo_api
@require_http_methods(["POST"])
def order_response(request, integration):
    """POST /api/orderresponse from a SO integration."""
    if integration.api != Api.SALES_ORDER:
        return _error("Authentication failed.")
    services.receive_order_response(integration, request.body)
    return _xml("<Info>Message is successfully posted</Info>")


@csrf_exempt
@login_not_required
@require_http_methods(["POST"])
def token(request):
    """OAuth2 client-credentials token endpoint (Azure AD v2 style)."""
    if not settings.SANDBOX_ENABLED:
        raise Http404("The Jakamo sandbox is disabled.")
    if request.POST.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    issued = services.issue_token(request.POST.get("client_id", ""), request.POST.get("client_secret", ""))
    if issued is None:
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed."}, status=401
        )
    access_token, lifetime = issued
    return JsonResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime})
