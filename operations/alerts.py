"""Alerts to integration admins: one e-mail when an integration becomes unwell, one when it
recovers, never one per check. Checked every minute by the watch task.

An integration is unwell when
- it has not synced successfully for ALERT_NO_SYNC_MINUTES (since it was created, if never),
- it is stuck (a sync that could not finish and needs a person), or
- failures pile up: ALERT_CONSECUTIVE_FAILURES failed syncs in a row, or ALERT_FAILED_MESSAGES
  messages that failed to process and still wait for a person.
ShipHero integrations have no queue to sync; they can only pile up failures. Disabled integrations
raise nothing (and an open incident of one is closed)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from common.roles import INTEGRATION_ADMINS
from exchange.models import InboxMessage, SyncState
from mappings.models import Integration, Kind

from .models import Incident
from .people import language_of

log = logging.getLogger(__name__)


def conditions(integration: Integration, now, failed_messages: int = 0) -> dict[str, list[dict]]:
    """The kinds of trouble the integration is in now, each with the reasons why as codes and
    parameters (operations.models.REASONS), said in each reader's language when shown or mailed."""
    found: dict[str, list[dict]] = {}
    if not integration.enabled or integration.is_archived:
        return found
    state = SyncState.current(integration)
    if integration.kind != Kind.SHIPHERO:
        since = state.last_success_at or integration.created_at
        limit = timedelta(minutes=settings.ALERT_NO_SYNC_MINUTES)
        if now - since > limit:
            minutes = int((now - since).total_seconds() // 60)
            found[Incident.Kind.NO_SYNC] = [
                {"code": "no_sync", "params": {"minutes": minutes, "limit": settings.ALERT_NO_SYNC_MINUTES}}
            ]
    if state.stuck_reason:
        found[Incident.Kind.STUCK] = [{"code": "stuck", "params": {"reason": state.stuck_reason}}]
    reasons = []
    if state.consecutive_failures >= settings.ALERT_CONSECUTIVE_FAILURES:
        reasons.append({"code": "failed_syncs", "params": {"n": state.consecutive_failures}})
    if failed_messages >= settings.ALERT_FAILED_MESSAGES:
        reasons.append({"code": "failed_messages", "params": {"n": failed_messages}})
    if reasons:
        found[Incident.Kind.FAILURES] = reasons
    return found


def recipients():
    User = get_user_model()
    return (
        User.objects.filter(Q(groups__name=INTEGRATION_ADMINS) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def check(now=None) -> dict[str, int]:
    """Open incidents for new trouble, close those that cleared, and send what is unsent."""
    now = now or timezone.now()
    failed = {
        row["integration_id"]: row["n"]
        for row in InboxMessage.objects.filter(status=InboxMessage.Status.FAILED)
        .values("integration_id")
        .annotate(n=Count("id"))
    }
    opened = resolved = 0
    for integration in Integration.objects.all():
        found = conditions(integration, now, failed.get(integration.pk, 0))
        open_now = {i.kind: i for i in Incident.objects.filter(integration=integration, resolved_at__isnull=True)}
        for kind, reasons in found.items():
            if kind in open_now:
                continue
            try:
                with transaction.atomic():
                    Incident.objects.create(integration=integration, kind=kind, reasons=reasons, opened_at=now)
                opened += 1
            except IntegrityError:  # another check opened it a moment ago
                pass
        for kind, incident in open_now.items():
            if kind not in found:
                # Conditional: exactly one check closes it, so exactly one recovery goes out.
                resolved += Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(resolved_at=now)
    sent = send_pending()
    return {"opened": opened, "resolved": resolved, "sent": sent}


def send_pending() -> int:
    """Send the alerts and recovery notices not yet sent. Marked sent only after the mail server took
    them, so a mail outage delays a notice instead of losing it."""
    sent = 0
    for incident in Incident.objects.filter(alert_sent_at__isnull=True).select_related("integration"):
        if Incident.objects.filter(pk=incident.pk, alert_sent_at__isnull=True).update(alert_sent_at=timezone.now()):
            if _mail(incident, "alert"):
                sent += 1
            else:
                Incident.objects.filter(pk=incident.pk).update(alert_sent_at=None)
    for incident in Incident.objects.filter(
        resolved_at__isnull=False, recovery_sent_at__isnull=True, alert_sent_at__isnull=False
    ).select_related("integration"):
        if Incident.objects.filter(pk=incident.pk, recovery_sent_at__isnull=True).update(
            recovery_sent_at=timezone.now()
        ):
            if _mail(incident, "recovery"):
                sent += 1
            else:
                Incident.objects.filter(pk=incident.pk).update(recovery_sent_at=None)
    return sent


def _mail(incident: Incident, which: str) -> bool:
    people = list(recipients())
    if not people:
        log.warning("No integration admin with an e-mail address to tell about %s", incident)
        return True
    link = settings.PORTAL_BASE_URL.rstrip("/") + incident.integration.get_absolute_url()
    try:
        for person in people:
            with translation.override(language_of(person)):
                context = {"incident": incident, "integration": incident.integration, "link": link, "person": person}
                subject = render_to_string(f"operations/email/{which}_subject.txt", context).strip()
                body = render_to_string(f"operations/email/{which}_body.txt", context)
            send_mail(subject, body, None, [person.email])
    except OSError as exc:  # SMTP unreachable, refused: try again at the next check
        log.warning("Could not send the %s for %s: %s", which, incident, exc)
        return False
    return True
