"""django-q2 tasks: thin, loaded by id, safe to run twice."""

from __future__ import annotations

from .models import ShipHeroWebhook, WebhookState
from .outgoing import process


def process_webhook(webhook_id: int):
    hook = ShipHeroWebhook.objects.filter(pk=webhook_id, state=WebhookState.RECEIVED).first()
    if hook is None:
        return "already processed"
    return process(hook).state
