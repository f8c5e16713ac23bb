"""Jakamo's PO, SO and ASN APIs, served by the portal under /gateway/jakamo for each ERP client:
the same paths, methods, headers, bodies and answers (texts and status codes) as Jakamo, so that
an ERP connector written for Jakamo only changes its base URL and credentials. The face is
``common.jakamo_face`` (shared with the sandbox); this is the back-end behind it: the portal's
services, and one history row per request."""

from __future__ import annotations

from common import jakamo_face as face

from . import services
from .models import GatewayClient, GatewayRequest


class GatewayJakamo(face.Backend):
    def around(self, request, client: GatewayClient | None, answer):
        """One history row per request, refused ones included (a wrong method aside)."""
        response = answer()
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

    def refusal(self, exc):
        if isinstance(exc, services.GatewayRefusal):
            return face.errors(exc.text, *exc.details, status=exc.status)
        return None

    def authenticate(self, credentials):
        return services.authenticate(credentials)

    def issue_token(self, client_id, client_secret):
        return services.issue_token(client_id, client_secret)

    def api(self, client):
        return client.integration.kind

    def next_message(self, client):
        message = services.next_message(client)
        if message is None:
            return None
        return face.Queued(
            body=bytes(message.body),
            content_type=message.content_type,
            ack_token=message.ack_token,
            confirm_token=message.confirm_token,
            order_number=message.document_key,
            document_type=message.document_type,
            document_key=message.document_key,
        )

    def acknowledge(self, client, token):
        return services.acknowledge(client, token)

    def confirm(self, client, token, *, note, emphasize):
        services.simple_confirm(client, token, note=note, emphasize=emphasize)  # None: not given, kept

    def order(self, client, body):
        return services.post_order(client, body).order_number

    def order_status(self, client, order_id, body):
        services.put_status(client, order_id, body)

    def order_response(self, client, body):
        return services.post_order_response(client, body).order.order_number


BACKEND = GatewayJakamo()
