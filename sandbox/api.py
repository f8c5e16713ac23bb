"""The simulated Jakamo's HTTP API under /sandbox/jakamo. The paths, headers, bodies and error
answers are Jakamo's face (``common.jakamo_face``, shared with the portal's gateway); this is only
the back-end behind it: the sandbox switch, the injected faults, and ``sandbox.services``'s rules."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import Http404, HttpResponse

from common import jakamo_face as face
from jakamo.errors import DocumentError

from . import services
from .jakamo_rules import Refusal
from .models import Api, Fault, Integration

log = logging.getLogger(__name__)


class SandboxJakamo(face.Backend):
    def admit(self, request):
        if not settings.SANDBOX_ENABLED:
            raise Http404("The Jakamo sandbox is disabled.")

    def around(self, request, integration: Integration | None, answer):
        """The 500, 503, 429 and hang faults armed for this integration (or for all); a 503 or 429
        sends the fault's Retry-After when it has one."""
        if integration is None:
            return answer()
        fault = services.claim_fault(
            integration, (Fault.Kind.ERROR_500, Fault.Kind.ERROR_503, Fault.Kind.ERROR_429, Fault.Kind.HANG)
        )
        kind = fault.kind if fault else None
        if kind in (Fault.Kind.ERROR_500, Fault.Kind.ERROR_503, Fault.Kind.ERROR_429):
            if kind == Fault.Kind.ERROR_500:
                injected = face.server_error()
            elif kind == Fault.Kind.ERROR_503:
                injected = HttpResponse("Service Unavailable", status=503, content_type="text/plain")
            else:
                injected = HttpResponse("Too Many Requests", status=429, content_type="text/plain")
            if kind != Fault.Kind.ERROR_500 and fault.retry_after:
                injected["Retry-After"] = fault.retry_after
            injected._has_been_logged = True  # an injected fault, not a server error: keep the log quiet
            return injected
        response = answer()
        if kind == Fault.Kind.HANG:
            # The work is done; only the answer comes too late (an "arrived but timed out" send).
            time.sleep(settings.SANDBOX_HANG_SECONDS)
        return response

    def refusal(self, exc):
        if isinstance(exc, Refusal):
            return face.errors(exc.text)
        if isinstance(exc, DocumentError):
            # Jakamo answers documents it cannot read with its generic 500 (PO document 4).
            log.info("sandbox: unreadable document: %s", exc)
            return face.server_error()
        return None

    def authenticate(self, credentials):
        return services.authenticate(credentials)

    def issue_token(self, client_id, client_secret):
        return services.issue_token(client_id, client_secret)

    def refuse_scope(self, scope):
        # Entra ID's rule for client credentials (AADSTS1002012): one resource's "/.default"; none
        # at all is the v1 habit the sandbox lets pass.
        if scope and not scope.endswith("/.default"):
            return (
                f"AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            )
        return None

    def mapped_companies(self, integration):
        return services.mapped_companies(integration)

    def api(self, integration):
        return integration.api

    def next_message(self, integration):
        message = services.next_message(integration)
        if message is None:
            return None
        return face.Queued(
            body=message.body,
            content_type=message.content_type,
            ack_token=str(message.ack_token),
            confirm_token=str(message.confirm_token or ""),
            order_number=message.order_number,
            document_type=message.document_type,
            document_key=message.order_number,
        )

    def acknowledge(self, integration, token):
        return services.acknowledge(token, integration)

    def confirm(self, integration, token, *, note, emphasize):
        services.simple_confirm(token, integration, note=note, emphasize=emphasize)

    def order(self, integration, body):
        """Order or OrderChange from a PO integration."""
        if integration.api != Api.PURCHASE_ORDER:
            raise Refusal("message_required", "Either Order-, OrderChange- or Status-message is required to")
        return services.receive_po_document(integration, body).order_number

    def order_status(self, integration, order_id, body):
        """StatusMessage (PO: Cancelled, Received; SO: Delivered)."""
        if integration.api == Api.SALES_ORDER:
            services.receive_so_status(integration, order_id, body)
        elif integration.api == Api.PURCHASE_ORDER:
            services.receive_po_status(integration, order_id, body)
        else:
            raise Refusal("authentication_failed")

    def order_response(self, integration, body):
        """OrderResponse from a SO integration."""
        if integration.api != Api.SALES_ORDER:
            raise Refusal("authentication_failed")
        return services.receive_order_response(integration, body).order_number


BACKEND = SandboxJakamo()
