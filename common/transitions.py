"""Statuses change in one place. Each thing with a status declares its allowed transitions as a
``Table`` (data: printable, testable); ``move`` is the only code that assigns the status field: it
checks the transition, saves, and records who, when, why and which message carried it in
``StatusChange``. A transition the table does not allow is a ``Refused`` with code
``transition_not_allowed``, so a caller that did not check first still cannot break the state.

The tables live beside their models (``orders.transitions``, ``shipments.transitions``); a test
(tests/test_layers.py) fails when any other module assigns a status field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulk import bulk_insert, bulk_update
from .errors import Refused


@dataclass(frozen=True)
class Table:
    """The allowed transitions of one status field. ``allowed`` maps a status to the statuses it
    may become; a status with no entry (or an empty one) is final. Staying in the same status is
    always allowed and records nothing."""

    name: str
    field: str
    labels: dict[str, str]
    initial: frozenset[str]
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)

    def allows(self, before: str, after: str) -> bool:
        return before == after or after in self.allowed.get(before, frozenset())

    def is_final(self, status: str) -> bool:
        return not self.allowed.get(status)

    def label(self, status: str) -> str:
        if status in self.labels:
            return str(self.labels[status])
        return status or str(_("(none yet)"))

    def rows(self) -> list[tuple[str, list[str]]]:
        """(status, statuses it may become), in the order of ``labels``; for the README and `manage.py transitions`."""
        return [(s, [t for t in self.labels if t != s and t in self.allowed.get(s, ())]) for s in self.labels]

    def as_text(self) -> str:
        width = max(len(self.label(s)) for s in self.labels)
        out = [f"{self.name} ({self.field})"]
        for status, targets in self.rows():
            marks = "initial, " if status in self.initial else ""
            after = ", ".join(self.label(t) for t in targets) if targets else "final"
            out.append(f"  {self.label(status):<{width}}  → {marks}{after}")
        return "\n".join(out)


def refusal(table: Table, obj, before: str, after: str) -> Refused:
    return Refused(
        "transition_not_allowed",
        _("%(thing)s %(name)s is “%(before)s”; it cannot become “%(after)s”."),
        thing=table.name.capitalize(),
        name=str(obj),
        before=table.label(before),
        after=table.label(after),
    )


def _record(table: Table, obj, before: str, after: str, *, by, why: str, inbox, outbox, at) -> StatusChange:
    return StatusChange(
        model=obj._meta.label_lower,
        object_id=obj.pk,
        field=table.field,
        before=before,
        after=after,
        user=by if getattr(by, "pk", None) else None,
        why=(why or "")[:500],
        inbox_id=getattr(inbox, "pk", inbox),
        outbox_id=getattr(outbox, "pk", outbox),
        at=at,
    )


def move(
    table: Table, obj, after: str, *, by=None, why: str = "", inbox=None, outbox=None, save: bool = True, also=()
) -> bool:
    """Give ``obj`` the status ``after`` if the table allows it (else raise ``Refused``), save the
    field (and the fields named in ``also``) and record the change. Returns whether it changed."""
    before = getattr(obj, table.field)
    if before == after:
        if save and also:
            obj.save(update_fields=[*also, *_touched(obj)])
        return False
    if not table.allows(before, after):
        raise refusal(table, obj, before, after)
    setattr(obj, table.field, after)
    if save:
        obj.save(update_fields=[table.field, *also, *_touched(obj)])
    _record(table, obj, before, after, by=by, why=why, inbox=inbox, outbox=outbox, at=timezone.now()).save()
    return True


def move_many(
    table: Table, objs: Sequence, after, *, by=None, why: str = "", inbox=None, outbox=None, also: Sequence[str] = ()
) -> int:
    """``move`` for many rows at once (thousands of lines): one bulk update and one bulk insert.
    ``after`` is a status, or a function of the row giving its status (None leaves a row as it is).
    Every transition is checked before anything is written. ``also``: fields every row of ``objs``
    saves, moved or not, in the same update as the statuses (a second update of 5,000 lines cost
    as much as the first)."""
    changed, records, now = [], [], timezone.now()
    user_id = by.pk if getattr(by, "pk", None) else None
    inbox_id, outbox_id, why = getattr(inbox, "pk", inbox), getattr(outbox, "pk", outbox), (why or "")[:500]
    label = None
    for obj in objs:
        target = after(obj) if callable(after) else after
        before = getattr(obj, table.field)
        if target is None or target == before:
            continue
        if not table.allows(before, target):
            raise refusal(table, obj, before, target)
        setattr(obj, table.field, target)
        changed.append(obj)
        label = label or obj._meta.label_lower
        # As _record's fields, as tuples: a StatusChange instance a row cost more than its insert.
        records.append((label, obj.pk, table.field, before, target, user_id, why, inbox_id, outbox_id, now))
    if also:
        bulk_update(objs, [table.field, *also])
    elif changed:
        bulk_update(changed, [table.field])
    if changed:
        bulk_insert(StatusChange, _RECORD_FIELDS, records)
    return len(changed)


_RECORD_FIELDS = ("model", "object_id", "field", "before", "after", "user_id", "why", "inbox_id", "outbox_id", "at")


def initial(table: Table, status: str) -> str:
    """``status`` for a row being created, checked to be one the table starts from."""
    if status not in table.initial:
        raise ValueError(f"{table.name} cannot start as {status!r}")
    return status


def record_start(table: Table, obj, *, by=None, why: str = "", inbox=None, outbox=None) -> None:
    """The audit row of a row created in its initial status (created rows change status too)."""
    _record(
        table, obj, "", getattr(obj, table.field), by=by, why=why, inbox=inbox, outbox=outbox, at=timezone.now()
    ).save()


def _touched(obj) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]


def history(obj) -> Iterable[StatusChange]:
    return StatusChange.objects.filter(model=obj._meta.label_lower, object_id=obj.pk).order_by("at", "pk")


# The model sits here, not in common.models, so that this module is the whole of the mechanism.
class StatusChange(models.Model):
    """One status change: what, from, to, who (None: the engine or an ERP), when, why, and the
    inbox or outbox message that carried it (ids: common sits below the apps that own them)."""

    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    field = models.CharField(max_length=40)
    before = models.CharField(max_length=40, blank=True)
    after = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    why = models.CharField(max_length=500, blank=True)
    inbox_id = models.BigIntegerField(null=True, blank=True)
    outbox_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "common"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self):
        return f"{self.model}#{self.object_id} {self.field}: {self.before or '—'} → {self.after}"
