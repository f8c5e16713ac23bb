"""What the operations side keeps: each person's language, alert incidents, digests sent and the
task cluster's heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mappings.models import Integration


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")

    def __str__(self):
        return f"{self.user}: {self.language}"


# Why an integration is unwell, by code. A stuck queue's reason is the engine's own sentence.
REASONS = {
    "no_sync": _("No successful sync for %(minutes)s minutes (limit %(limit)s)."),
    "stuck": "%(reason)s",
    "failed_syncs": _("%(n)s syncs failed in a row."),
    "failed_messages": _("%(n)s messages failed to process and wait for a person."),
}


class Incident(models.Model):
    """One stretch of time an integration was unwell in one way: opened with one alert, closed with
    one recovery notice. At most one open incident per integration and kind, so a condition that
    holds for hours never sends more than one e-mail."""

    class Kind(models.TextChoices):
        NO_SYNC = "no_sync", _("No successful sync")
        STUCK = "stuck", _("Stuck")
        FAILURES = "failures", _("Failures piling up")

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Why, as codes and parameters ([{"code", "params"}], REASONS), said in the reader's language;
    # ``detail`` holds the English sentence of incidents opened before the codes.
    detail = models.TextField(blank=True)
    reasons = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    recovery_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_incident_per_integration_and_kind",
            )
        ]

    def __str__(self):
        return f"{self.integration}: {self.get_kind_display()} since {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def detail_text(self) -> str:
        """Why, in the active language (the reader's page, or the recipient's e-mail)."""
        if not self.reasons:
            return self.detail
        return " ".join(
            str(REASONS[r["code"]] % r["params"]) if r["code"] in REASONS else "" for r in self.reasons
        ).strip()


class DigestSent(models.Model):
    """The daily digest went to this person on this day (so a task run twice sends it once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    orders = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_person_and_day")]

    def __str__(self):
        return f"digest to {self.user} on {self.day}"


class Heartbeat(models.Model):
    """Written by a scheduled task every minute: proof for the health endpoint that the task
    cluster (its scheduler and a worker) is alive, whatever the broker."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()
    node = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.name} at {self.at}"
