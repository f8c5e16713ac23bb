"""What a person should do about an outgoing message Jakamo refused or left unanswered ("What to
do"). A message keeps the advice's code and parameters, never the sentence: each reader gets it in
their own language when shown. Jakamo's documented refusals have their sentences in
``jakamo.reasons``; the engine's own are here."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jakamo import reasons

OWN = {
    "no_answer": _(
        "The request was sent but no answer came, so Jakamo may or may not have applied it. Repeating it could "
        "apply it twice (for a partial receipt: count the goods twice). Check the order in Jakamo, then mark "
        "this message as sent, or resend it."
    ),
    "worker_stopped": _(
        "The worker sending this message stopped mid-send; it may or may not have reached Jakamo. Check the "
        "order in Jakamo, then mark it sent or resend it."
    ),
}


def kept(code: str, params: dict | None = None) -> dict:
    """The fields a message keeps for its advice (none of them a sentence)."""
    return {"explanation": "", "explanation_code": code, "explanation_params": params or {}}


def cleared() -> dict:
    return {"explanation": "", "explanation_code": "", "explanation_params": {}}


def say(code: str, params: dict, recorded: str = "") -> str:
    """The advice in the active language; a message recorded before the codes keeps its sentence."""
    if code in OWN:
        return str(OWN[code])
    template = reasons.template(code) if code else None
    if template is None:
        return recorded
    return reasons.fill(gettext(template), params)
