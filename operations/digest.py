"""The purchaser's morning e-mail: their orders that have waited too long, for the supplier's
confirmation (beyond UNCONFIRMED_AFTER_DAYS) or for our decision (beyond DECISION_AFTER_HOURS).
Sent once a day to each purchaser who has something waiting; nothing waiting, no e-mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from common.roles import PURCHASERS
from orders.models import OrderStatus, PurchaseOrder

from .models import DigestSent
from .people import language_of

log = logging.getLogger(__name__)


@dataclass
class Waiting:
    unconfirmed: list[PurchaseOrder]
    undecided: list[PurchaseOrder]

    def __bool__(self):
        return bool(self.unconfirmed or self.undecided)

    def __len__(self):
        return len(self.unconfirmed) + len(self.undecided)


def waiting_for(user, now=None) -> Waiting:
    now = now or timezone.now()
    mine = PurchaseOrder.objects.filter(purchaser=user)
    unconfirmed = mine.filter(
        status=OrderStatus.WAITING_SUPPLIER, created_at__lt=now - timedelta(days=settings.UNCONFIRMED_AFTER_DAYS)
    ).order_by("created_at", "id")
    undecided = mine.filter(awaiting_decision_since__lt=now - timedelta(hours=settings.DECISION_AFTER_HOURS)).order_by(
        "awaiting_decision_since", "id"
    )
    return Waiting(list(unconfirmed[:200]), list(undecided[:200]))


def purchasers():
    User = get_user_model()
    return User.objects.filter(Q(groups__name=PURCHASERS), is_active=True).exclude(email="").distinct().order_by("pk")


def send_digests(now=None) -> int:
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    sent = 0
    for person in purchasers():
        waiting = waiting_for(person, now)
        if not waiting:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(user=person, day=today, orders=len(waiting))
        except IntegrityError:  # already sent today (the task ran twice)
            continue
        with translation.override(language_of(person)):
            context = {"person": person, "waiting": waiting, "base": base, "settings": settings, "today": today}
            subject = render_to_string("operations/email/digest_subject.txt", context).strip()
            body = render_to_string("operations/email/digest_body.txt", context)
        try:
            send_mail(subject, body, None, [person.email])
        except OSError as exc:
            # Not sent: forget the record so the next run tries again.
            DigestSent.objects.filter(user=person, day=today).delete()
            log.warning("Could not send the digest to %s: %s", person, exc)
            continue
        sent += 1
    return sent
