"""What Support does to messages, one or many at a time: reprocess an incoming message, resend an
outgoing one. The message page's buttons and the history's bulk actions call the same functions and
get the same outcome, worded for the person who asked (translated when it is shown)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from . import inbox, outbox, transitions
from .models import InboxMessage, OutboxMessage

REPROCESSABLE = (InboxMessage.Status.FAILED, InboxMessage.Status.PROCESSED, InboxMessage.Status.ACKNOWLEDGED)
RESENDABLE = (
    OutboxMessage.Status.REJECTED,
    OutboxMessage.Status.UNKNOWN,
    OutboxMessage.Status.CANCELLED,
    OutboxMessage.Status.RETRY,
)
# One bulk action at most: a page of the history and some. Reprocessing runs in the request.
MOST_AT_ONCE = 100


@dataclass
class Outcome:
    """What happened to one message: ``done`` (the action did what was asked), ``failed`` (it ran
    and the message failed again) or ``refused`` (nothing was done); ``text`` says it to a person."""

    ref: str
    row: InboxMessage | OutboxMessage | None
    result: str
    template: object
    params: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        words = str(self.template)
        return words % self.params if self.params else words


def reprocess(row: InboxMessage, user) -> Outcome:
    ref = f"in:{row.pk}"
    if row.status not in REPROCESSABLE:
        return Outcome(
            ref,
            row,
            "refused",
            _("A message that is “%(status)s” is not reprocessed."),
            {"status": row.get_status_display()},
        )
    try:
        if inbox.reprocess(row, user):
            return Outcome(ref, row, "done", _("Reprocessed."))
        return Outcome(ref, row, "failed", _("Reprocessing failed again: %(error)s"), {"error": row.error})
    except inbox.Refused as refused:
        if refused.code == "superseded":
            later = refused.superseded_by
            return Outcome(
                ref,
                row,
                "refused",
                _(
                    "Not reprocessed: a later %(type)s about %(key)s (message %(pk)s) has been applied, so this "
                    "one is superseded. Applying it now would put an answer that is no longer current over it."
                ),
                {"type": later.document_type, "key": later.document_key, "pk": later.pk},
            )
        return Outcome(
            ref, row, "refused", _("The body of this message was removed by retention; there is nothing to reprocess.")
        )
    except transitions.TransitionError:
        return Outcome(ref, row, "refused", _("Someone else changed this message meanwhile; look at it again."))


def resend(row: OutboxMessage, user, note: str = "") -> Outcome:
    ref = f"out:{row.pk}"
    if row.status not in RESENDABLE:
        return Outcome(
            ref,
            row,
            "refused",
            _("A message that is “%(status)s” is not resent."),
            {"status": row.get_status_display()},
        )
    try:
        outbox.resend(row, user, note)
    except transitions.TransitionError:
        return Outcome(ref, row, "refused", _("Someone else changed this message meanwhile; look at it again."))
    return Outcome(ref, row, "done", _("Queued to send again."))


def act_on_many(action: str, refs: list[str], user, note: str = "") -> list[Outcome]:
    """Reprocess or resend each message named by ``refs`` ("in:12", "out:7"), in the order given,
    each on its own: one refusal stops nothing. One outcome per reference, refusals included (a
    message of the other direction, one that no longer exists, more than ``MOST_AT_ONCE``)."""
    refs = list(dict.fromkeys(refs))
    wanted = {"in": set(), "out": set()}
    for ref in refs[:MOST_AT_ONCE]:
        direction, _sep, pk = ref.partition(":")
        if direction in wanted and pk.isdigit() and len(pk) < 19:
            wanted[direction].add(int(pk))
    rows = {f"in:{m.pk}": m for m in InboxMessage.objects.filter(pk__in=wanted["in"]).select_related("integration")}
    rows |= {f"out:{m.pk}": m for m in OutboxMessage.objects.filter(pk__in=wanted["out"]).select_related("integration")}
    outcomes = []
    for index, ref in enumerate(refs):
        row = rows.get(ref)
        if index >= MOST_AT_ONCE:
            outcomes.append(
                Outcome(ref, None, "refused", _("Not done: at most %(n)s messages at once."), {"n": MOST_AT_ONCE})
            )
        elif row is None:
            outcomes.append(Outcome(ref, None, "refused", _("No such message.")))
        elif action == "reprocess" and isinstance(row, OutboxMessage):
            outcomes.append(
                Outcome(ref, row, "refused", _("An outgoing message is not reprocessed; resend it instead."))
            )
        elif action == "resend" and isinstance(row, InboxMessage):
            outcomes.append(Outcome(ref, row, "refused", _("An incoming message is not resent; reprocess it instead.")))
        elif action == "reprocess":
            outcomes.append(reprocess(row, user))
        else:
            outcomes.append(resend(row, user, note))
    return outcomes
