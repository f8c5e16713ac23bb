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
    detail = models.TextField(blank=True)
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
