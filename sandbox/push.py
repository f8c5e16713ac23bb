"""The simulated Jakamo's webhooks: every message queued for an integration with a payload URL is
also pushed there, once the queueing commits, as Jakamo's webhook page describes
(reference/jakamo-more-facts.md, "Webhooks"):

- the payload is the message the queue serves, with the queue's headers (``X-Acknowledge-Uri`` and
  ``Jakamo-Confirm-Url`` relative to the API's base URL, ``Jakamo-Order-Number``), so a receiver
  that answers 202 can still clear the entry "the normal way";
- authenticated by Basic auth or by a Bearer token from the receiver's OAuth2 token endpoint
  (client credentials);
- "Remove entry from queue on success": a 200, 201 or 204 clears the entry; anything else, or no
  answer, leaves it for the receiver's polling;
- no retry, except for "Sales order created" (an Order on a Sales Order queue), retried on a
  schedule the sandbox compresses to seconds.

Faults (``Fault.Kind.PUSH_*``): a push lost, a push repeated, a push with wrong credentials, and a
receiver slower than Jakamo waits (the answer is not awaited: the entry stays in the queue).

Independent of the portal: it talks to the receiver over HTTP only."""

from __future__ import annotations

import logging
import time

import requests
from django.db import transaction
from django.utils import timezone

from jakamo import ubl

from .models import Api, Fault, Message, Push

log = logging.getLogger(__name__)

SUCCESS = (200, 201, 204)
# Jakamo's retry schedule for "Sales order created", compressed for the simulator.
RETRY_DELAYS = (0.5, 1.0, 2.0)
CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 30.0
# A receiver slower than Jakamo waits: the request is sent whole, the answer never awaited.
SLOW_RECEIVER_TIMEOUT = 0.001
PUSH_FAULTS = (Fault.Kind.PUSH_LOST, Fault.Kind.PUSH_REPEAT, Fault.Kind.PUSH_WRONG_AUTH, Fault.Kind.PUSH_SLOW)


def on_queued(message: Message):
    """Push ``message`` once its queueing commits (never a message that was rolled back)."""
    if message.integration.push_url:
        transaction.on_commit(lambda: push(message.pk))


def configure(
    integration,
    url: str,
    *,
    auth: str = "basic",
    username: str = "",
    password: str = "",
    token_url: str = "",
    client_id: str = "",
    client_secret: str = "",
    remove_on_success: bool = True,
):
    """Jakamo's webhook form: a payload URL, an authentication method and its credentials, and the
    "Remove entry from queue on success" choice. An empty URL switches the webhook off."""
    if auth not in ("basic", "oauth2"):
        raise ValueError("auth is basic or oauth2")
    integration.push_url, integration.push_auth = url, auth if url else ""
    integration.push_username, integration.push_password = username, password
    integration.push_token_url, integration.push_client_id, integration.push_client_secret = (
        token_url,
        client_id,
        client_secret,
    )
    integration.push_remove_on_success = remove_on_success
    integration.save()
    return integration


def retried(message: Message) -> bool:
    """Jakamo retries only "Sales order created" events."""
    return message.integration.api == Api.SALES_ORDER and message.document_type == ubl.ORDER


def push(message_id: int) -> list[Push]:
    """Push one queued message (with its faults and retries); returns the calls made."""
    from .services import take_fault

    message = Message.objects.select_related("integration").filter(pk=message_id).first()
    if message is None or not message.integration.push_url:
        return []
    integration = message.integration
    fault = take_fault(integration, PUSH_FAULTS) or ""
    if fault == Fault.Kind.PUSH_LOST:
        return [Push.objects.create(message=message, url=integration.push_url, fault=fault, answer="lost (fault)")]
    calls = [_call(message, 1, fault)]
    if fault == Fault.Kind.PUSH_REPEAT:
        calls.append(_call(message, 1, fault))
    if retried(message):
        for attempt, delay in enumerate(RETRY_DELAYS, start=2):
            if any(c.status in SUCCESS for c in calls):
                break
            time.sleep(delay)
            calls.append(_call(message, attempt, ""))
    if integration.push_remove_on_success and any(c.status in SUCCESS for c in calls):
        Message.objects.filter(pk=message.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
        Push.objects.filter(pk__in=[c.pk for c in calls if c.status in SUCCESS]).update(removed_from_queue=True)
    return calls


def _call(message: Message, attempt: int, fault: str) -> Push:
    integration = message.integration
    headers = {
        "Content-Type": f"{message.content_type}; charset=utf-8",
        "X-Acknowledge-Uri": f"api/ack/{message.ack_token}",
    }
    if message.confirm_token:
        headers["Jakamo-Confirm-Url"] = f"api/confirm/{message.confirm_token}"
    if message.order_number:
        headers["Jakamo-Order-Number"] = message.order_number
    wrong = fault == Fault.Kind.PUSH_WRONG_AUTH
    timeout = (CONNECT_TIMEOUT, SLOW_RECEIVER_TIMEOUT if fault == Fault.Kind.PUSH_SLOW else READ_TIMEOUT)
    status, answer = None, ""
    try:
        auth = None
        if integration.push_auth == "oauth2":
            headers["Authorization"] = f"Bearer {'not-a-token' if wrong else _token(integration)}"
        else:
            auth = (integration.push_username, integration.push_password + ("-wrong" if wrong else ""))
        response = requests.post(
            integration.push_url, data=message.body.encode("utf-8"), headers=headers, auth=auth, timeout=timeout
        )
        status, answer = response.status_code, response.text[:2000]
    except requests.RequestException as exc:
        answer = f"no answer: {type(exc).__name__}"
        log.info("sandbox push of message %s to %s: %s", message.pk, integration.push_url, answer)
    return Push.objects.create(
        message=message, url=integration.push_url, attempt=attempt, status=status, answer=answer, fault=fault
    )


def _token(integration) -> str:
    response = requests.post(
        integration.push_token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": integration.push_client_id,
            "client_secret": integration.push_client_secret,
        },
        timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
    )
    response.raise_for_status()
    return response.json()["access_token"]
