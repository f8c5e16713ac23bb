"""Every status an inbox message, an outbox message or a sync run can take, and the moves between
them (DESIGN rule 8). ``ALLOWED`` is the table, as data; ``move`` is the one function that changes
a status: it checks the move against the table, saves it with a conditional UPDATE (the row must
still be in the status the caller saw, so two workers can never both make the same move) and
records who, when, why and what carried it (``StatusChange``). Rows are born in a status listed in
``INITIAL`` through ``create``; generated history may be bulk-created settled (``create_history``).
No other code assigns these status fields.

``python manage.py transitions`` prints the table (the README shows it too)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, router

from common.bulk import insert_one
from common.db import values_apart

from .models import InboxMessage, OutboxMessage, StatusChange, SyncRun

I = InboxMessage.Status  # noqa: E741
O = OutboxMessage.Status  # noqa: E741
R = SyncRun.Status


class TransitionError(Exception):
    """A status move that was refused. ``code`` is stable; callers decide by it, never by the text."""

    code = "transition"

    def __init__(self, message: str, *, row=None, from_status: str = "", to_status: str = ""):
        super().__init__(message)
        self.row, self.from_status, self.to_status = row, from_status, to_status


class IllegalTransition(TransitionError):
    """The table does not allow this move from this status."""

    code = "illegal_transition"


class StatusChanged(TransitionError):
    """The row was no longer in the status the caller saw: someone else moved it first."""

    code = "status_changed"


# (from, to) -> when it happens. Same-status moves are listed where a repeat is a real event
# (a reprocess that fails again, a send retried again).
ALLOWED: dict[type[models.Model], dict[tuple[str, str], str]] = {
    InboxMessage: {
        (I.RECEIVED, I.ACKNOWLEDGED): "acknowledged at Jakamo, applied later",
        (I.RECEIVED, I.PROCESSED): "acknowledged and applied (or resumed after a crash, in queue order)",
        (I.RECEIVED, I.FAILED): "could not be read or applied; the reason is kept",
        (I.RECEIVED, I.DUPLICATE): "about to be applied, it proved to repeat a message stored before it",
        (I.ACKNOWLEDGED, I.DUPLICATE): "about to be applied, it proved to repeat a message stored before it",
        (I.ACKNOWLEDGED, I.PROCESSED): "applied",
        (I.ACKNOWLEDGED, I.FAILED): "could not be read or applied; the reason is kept",
        (I.FAILED, I.PROCESSED): "reprocessed by a person after a fix",
        (I.FAILED, I.FAILED): "reprocessed by a person, failed again",
        (I.PROCESSED, I.PROCESSED): "reprocessed by a person (applying is idempotent)",
        (I.PROCESSED, I.FAILED): "reprocessed by a person, failed",
    },
    OutboxMessage: {
        (O.BLOCKED, O.PENDING): "the missing mapping was added",
        (O.PENDING, O.SENDING): "claimed by a worker",
        (O.RETRY, O.SENDING): "claimed by a worker for another attempt",
        (O.SENDING, O.SENT): "Jakamo accepted it (or proved an earlier attempt arrived)",
        (O.SENDING, O.REJECTED): "Jakamo refused it (400); a person acts on the reason",
        (O.SENDING, O.RETRY): "connection failure, 5xx, or a timeout where repeating is harmless",
        (O.SENDING, O.UNKNOWN): "sent but no answer, and repeating could apply it twice",
        (O.UNKNOWN, O.SENT): "a person checked Jakamo and found it applied",
        (O.PENDING, O.SENT): "handed to Jakamo directly by a setup (demo data, benchmarks), not sent",
        **{(s, O.PENDING): "resent by a person" for s in (O.REJECTED, O.UNKNOWN, O.CANCELLED, O.RETRY)},
        **{(s, O.CANCELLED): "cancelled by a person" for s in (O.PENDING, O.BLOCKED, O.RETRY, O.REJECTED, O.UNKNOWN)},
    },
    SyncRun: {
        (R.RUNNING, R.DONE): "the queue was drained or the run's bound reached",
        (R.RUNNING, R.FAILED): "Jakamo or the database failed, or the worker died (closed by the next run)",
        (R.RUNNING, R.STUCK): "Jakamo returned the same message although it was acknowledged",
        (R.RUNNING, R.SKIPPED): "another sync held the queue",
    },
}

# The statuses a row may be created in, and why.
INITIAL: dict[type[models.Model], dict[str, str]] = {
    InboxMessage: {
        I.RECEIVED: "stored from a queue before its acknowledge",
        I.DUPLICATE: "a queued message kept as failed came again under a new acknowledge URI",
        I.ACKNOWLEDGED: "a webhook call, acknowledged by answering it",
        I.FAILED: "a webhook call that could not be read, or a queued message with a value too long to keep",
    },
    OutboxMessage: {
        O.PENDING: "written with the change that causes it",
        O.BLOCKED: "written, but a mapping it needs is missing",
    },
    SyncRun: {R.RUNNING: "started by the schedule or a person"},
}

# Fields of StatusChange pointing at the row whose status changed.
_SUBJECT = {InboxMessage: "inbox", OutboxMessage: "outbox", SyncRun: "sync_run"}


def allowed(model: type[models.Model], from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in ALLOWED[model]


def check(model: type[models.Model], from_status: str, to_status: str, row=None) -> None:
    if not allowed(model, from_status, to_status):
        raise IllegalTransition(
            f"{model.__name__} {getattr(row, 'pk', '')}: a move from “{from_status}” to “{to_status}” is not "
            "allowed.".replace("  ", " "),
            row=row,
            from_status=from_status,
            to_status=to_status,
        )


def move(row, to: str, *, by=None, why: str = "", via: str = "", **fields):
    """Move ``row`` from the status it has now to ``to``, saving ``fields`` with it in the same
    UPDATE, and record the change. Raises IllegalTransition when the table forbids it and
    StatusChanged when the row is no longer in the status the caller holds."""
    model = type(row)
    current = row.status
    check(model, current, to, row)
    if model.objects.filter(pk=row.pk, status=current).update(status=to, **fields) != 1:
        raise StatusChanged(
            f"{model.__name__} {row.pk} is no longer “{current}”: someone else changed it first.",
            row=row,
            from_status=current,
            to_status=to,
        )
    for name, value in fields.items():
        setattr(row, name, value)
    row.status = to
    _record(model, row.pk, current, to, by=by, why=why, via=via)
    return row


def claim(model: type[models.Model], pk: int, from_statuses: Iterable[str], to: str, *, via: str = "", **fields):
    """Move the row ``pk`` to ``to`` from whichever of ``from_statuses`` it is in, if any: the
    conditional UPDATE a worker claims work with. Returns the status it came from, or None when the
    row was in none of them (someone else claimed it, or it is not due)."""
    for current in from_statuses:
        check(model, current, to)
        if model.objects.filter(pk=pk, status=current).update(status=to, **fields) == 1:
            _record(model, pk, current, to, via=via)
            return current
    return None


def create(model: type[models.Model], *, status: str, why: str = "", via: str = "", by=None, **fields):
    """Create a row in one of its initial statuses."""
    _check_initial(model, status)
    with values_apart(router.db_for_write(model)):  # a message's body: megabytes
        return model.objects.create(status=status, **fields)


def insert(model: type[models.Model], *, status: str, **fields) -> models.Model:
    """``create`` for the one hot path, the drain's store between Jakamo's answer and our
    acknowledge: one INSERT of plain values with no queryset compiled (``common.bulk.insert_one``).
    Returns the instance, built from the values stored."""
    _check_initial(model, status)
    fields["status"] = status
    row = model(pk=insert_one(model, fields), **fields)
    row._state.adding, row._state.db = False, router.db_for_write(model)  # as if loaded: save() updates
    return row


def _check_initial(model: type[models.Model], status: str):
    if status not in INITIAL[model]:
        raise IllegalTransition(
            f"A {model.__name__} is not created as “{status}” (it starts as {', '.join(INITIAL[model])}).",
            to_status=status,
        )


def create_history(rows: list[models.Model]) -> list[models.Model]:
    """Bulk-create rows that stand for settled history (generated volume data): any status the model
    has, no change recorded, because nothing moved."""
    if not rows:
        return rows
    model = type(rows[0])
    known = set(model.Status.values)
    for row in rows:
        if type(row) is not model or row.status not in known:
            raise IllegalTransition(f"{row!r} is not a {model.__name__} with a known status.", to_status=row.status)
    return model.objects.bulk_create(rows)


def _record(model, pk, from_status, to_status, *, by=None, why="", via=""):
    StatusChange.objects.create(
        **{f"{_SUBJECT[model]}_id": pk},
        from_status=from_status,
        to_status=to_status,
        by=by,
        why=why[:5000],
        via=via[:100],
    )


def table() -> list[tuple[str, str, str, str]]:
    """(model, from, to, when) for every allowed move, initial statuses as from "—"."""
    rows = []
    for model, moves in ALLOWED.items():
        for status, when in INITIAL[model].items():
            rows.append((model.__name__, "—", status, when))
        for (frm, to), when in moves.items():
            rows.append((model.__name__, frm, to, when))
    return rows


def markdown_table() -> str:
    lines = ["| thing | from | to | when |", "|---|---|---|---|"]
    lines += [f"| {m} | {f} | {t} | {w} |" for m, f, t, w in table()]
    return "\n".join(lines)
