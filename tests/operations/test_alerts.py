"""The alert lifecycle (one e-mail per incident, one on recovery, none in between, a mail outage
delays rather than loses), and the purchaser's daily digest."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from exchange.models import InboxMessage, SyncState
from operations import alerts, digest
from operations.models import DigestSent, Incident
from operations.people import set_language
from orders.models import OrderStatus, PurchaseOrder
from tests.helpers import order_with_confirmation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_with_mail(integration_admin):
    integration_admin.email = "integrator@example.com"
    integration_admin.save()
    return integration_admin


def test_one_alert_per_incident_and_one_on_recovery(settings, po_integration, admin_with_mail):
    settings.ALERT_NO_SYNC_MINUTES = 60
    now = timezone.now()
    state = SyncState.of(po_integration)
    state.last_success_at = now - timedelta(minutes=30)
    state.save()
    assert alerts.check(now)["opened"] == 0 and not mail.outbox

    later = now + timedelta(minutes=45)  # 75 minutes without a successful sync
    assert alerts.check(later) == {"opened": 1, "resolved": 0, "sent": 1}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["integrator@example.com"]
    assert po_integration.name in message.subject and "No successful sync" in message.subject
    assert "75 minutes" in message.body and po_integration.get_absolute_url() in message.body

    for minutes in (1, 2, 30, 300):  # still broken: no more e-mail
        alerts.check(later + timedelta(minutes=minutes))
    assert len(mail.outbox) == 1
    assert Incident.objects.filter(resolved_at__isnull=True).count() == 1

    state.last_success_at = later + timedelta(minutes=301)
    state.save()
    result = alerts.check(later + timedelta(minutes=302))
    assert result["resolved"] == 1 and len(mail.outbox) == 2
    assert "Recovered" in mail.outbox[1].subject
    alerts.check(later + timedelta(minutes=303))
    assert len(mail.outbox) == 2

    # The next outage is a new incident with its own alert.
    alerts.check(later + timedelta(minutes=301 + 61 + 5))
    assert len(mail.outbox) == 3 and Incident.objects.count() == 2


def test_stuck_and_piled_up_failures_are_their_own_incidents(settings, po_integration, admin_with_mail):
    settings.ALERT_CONSECUTIVE_FAILURES = 3
    settings.ALERT_FAILED_MESSAGES = 2
    now = timezone.now()
    state = SyncState.of(po_integration)
    state.last_success_at = now
    state.stuck_reason = "An acknowledge failed three times."
    state.consecutive_failures = 3
    state.save()
    alerts.check(now)
    kinds = set(Incident.objects.values_list("kind", flat=True))
    assert kinds == {Incident.Kind.STUCK, Incident.Kind.FAILURES}
    assert len(mail.outbox) == 2
    assert "3 syncs failed in a row" in Incident.objects.get(kind=Incident.Kind.FAILURES).detail_text

    state.stuck_reason = ""
    state.consecutive_failures = 0
    state.save()
    for n in range(2):  # failed messages alone keep failures open
        InboxMessage.objects.create(integration=po_integration, status="failed", body=b"x", content_hash=f"f{n}")
    alerts.check(now + timedelta(minutes=1))
    assert Incident.objects.get(kind=Incident.Kind.STUCK).resolved_at is not None
    failures = Incident.objects.get(kind=Incident.Kind.FAILURES)
    assert failures.resolved_at is None
    assert len(mail.outbox) == 3  # the recovery from stuck only


def test_a_mail_outage_delays_the_alert_instead_of_losing_it(settings, po_integration, admin_with_mail, monkeypatch):
    state = SyncState.of(po_integration)
    state.stuck_reason = "stuck"
    state.last_success_at = timezone.now()
    state.save()

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr(alerts, "send_mail", refuse)
    alerts.check()
    incident = Incident.objects.get()
    assert incident.alert_sent_at is None and not mail.outbox
    monkeypatch.undo()
    alerts.check()
    alerts.check()
    incident.refresh_from_db()
    assert incident.alert_sent_at is not None and len(mail.outbox) == 1


def test_disabled_and_shiphero_integrations_do_not_alert_for_missing_syncs(po_integration, admin_with_mail):
    from mappings.models import Integration

    Integration.objects.create(name="Hero", kind="shiphero", webhook_secret="s")
    po_integration.enabled = False
    po_integration.save()
    alerts.check(timezone.now() + timedelta(days=3))
    assert not Incident.objects.exists() and not mail.outbox


def test_the_alert_comes_in_the_admins_language(settings, po_integration, admin_with_mail):
    set_language(admin_with_mail, "fi")
    state = SyncState.of(po_integration)
    state.stuck_reason = "jumissa"
    state.last_success_at = timezone.now()
    state.save()
    alerts.check()
    assert "Jumissa" in mail.outbox[0].subject, mail.outbox[0].subject


def test_the_daily_digest_lists_what_waits_too_long(settings, purchaser, django_user_model):
    settings.UNCONFIRMED_AFTER_DAYS = 3
    settings.DECISION_AFTER_HOURS = 24
    purchaser.email = "buyer@example.com"
    purchaser.save()
    # Noon, so that an hour later is the same day in Helsinki whenever the suite runs.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    waiting_decision, _ = order_with_confirmation("D-DECIDE", purchaser)
    fresh_decision, _ = order_with_confirmation("D-FRESH", purchaser)
    PurchaseOrder.objects.filter(pk=waiting_decision.pk).update(awaiting_decision_since=now - timedelta(hours=30))
    old, _ = order_with_confirmation("D-UNCONF", purchaser)
    PurchaseOrder.objects.filter(pk=old.pk).update(
        status=OrderStatus.WAITING_SUPPLIER, awaiting_decision_since=None, created_at=now - timedelta(days=4)
    )
    someone_else = django_user_model.objects.create_user("other", email="other@example.com")
    other, _ = order_with_confirmation("D-OTHER", someone_else)
    PurchaseOrder.objects.filter(pk=other.pk).update(awaiting_decision_since=now - timedelta(hours=30))

    assert digest.send_digests(now) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com"] and "2 orders wait too long" in message.subject
    assert "D-DECIDE" in message.body and "D-UNCONF" in message.body
    assert "D-FRESH" not in message.body and "D-OTHER" not in message.body
    assert f"{settings.PORTAL_BASE_URL}{waiting_decision.get_absolute_url()}" in message.body

    assert digest.send_digests(now + timedelta(hours=1)) == 0  # once a day
    assert len(mail.outbox) == 1 and DigestSent.objects.get().orders == 2


def test_no_digest_when_nothing_waits(purchaser):
    purchaser.email = "buyer@example.com"
    purchaser.save()
    order_with_confirmation("D-NEW", purchaser)
    assert digest.send_digests() == 0 and not mail.outbox


def test_the_watch_task_beats_and_checks(po_integration, admin_with_mail):
    from operations.models import Heartbeat
    from operations.tasks import watch

    SyncState.objects.create(integration=po_integration, stuck_reason="stuck")
    result = watch()
    assert Heartbeat.objects.get(name="cluster").at > timezone.now() - timedelta(seconds=5)
    assert result["opened"] >= 1


def test_the_schedules_exist():
    from django_q.models import Schedule

    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"jakamo-watch", "jakamo-digest", "jakamo-retention", "jakamo-tick"} <= names
    digest_schedule = Schedule.objects.get(name="jakamo-digest")
    assert timezone.localtime(digest_schedule.next_run).hour == 7


def test_an_incident_keeps_codes_and_is_said_in_each_readers_language(settings, po_integration, admin_with_mail):
    from django.utils import translation

    from operations.models import Preference

    settings.ALERT_CONSECUTIVE_FAILURES = 3
    state = SyncState.of(po_integration)
    state.last_success_at = timezone.now()
    state.consecutive_failures = 3
    state.save()
    Preference.objects.update_or_create(user=admin_with_mail, defaults={"language": "fi"})
    alerts.check(timezone.now())
    incident = Incident.objects.get(kind=Incident.Kind.FAILURES)
    assert incident.detail == "" and incident.reasons == [{"code": "failed_syncs", "params": {"n": 3}}]
    with translation.override("en"):
        assert incident.detail_text == "3 syncs failed in a row."
    assert "3 synkronointia epäonnistui peräkkäin." in mail.outbox[-1].body  # the Finnish reader's e-mail


def test_an_incident_opened_before_the_codes_keeps_its_sentence():
    assert Incident(detail="2 syncs failed in a row.").detail_text == "2 syncs failed in a row."
