"""Why a sync run stopped, or why a queue is stuck, as codes and parameters: said in the reader's
language when shown. The English ``error`` / ``stuck_reason`` copies stay for searches, alerts and
rows recorded before the codes."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "no_queue": _("This integration has no queue to drain."),
    "lease_taken": _("Another sync of this integration is running."),
    "lease_lost": _("Lost the sync lease."),
    "database": _("The database connection failed mid-run (%(kind)s); the next run resumes here."),
    "interrupted": _(
        "Interrupted: the worker stopped mid-run (killed or crashed). Nothing was lost; the next run applied "
        "what it had stored first."
    ),
    "stuck": _(
        "Jakamo returned the same message %(times)s times although it was acknowledged each time (acknowledge "
        "URI %(uri)s). The queue is not moving; the sync stopped instead of looping. Check with Jakamo support, "
        "then resume."
    ),
}
WAIT = _("Jakamo asked to wait %(seconds)s s (Retry-After); the queue is asked again after %(until)s.")


def say(code: str, params: dict, recorded: str = "") -> str:
    """The sentence for ``code`` in the active language; what was recorded where there is none."""
    params = params or {}
    # Jakamo's own answer (code "jakamo") is kept as it came; the rest is the portal's to say.
    text = gettext(SENTENCES[code]) % params if code in SENTENCES else params.get("error", recorded)
    if "wait_seconds" in params:
        text += " " + gettext(WAIT) % {"seconds": params["wait_seconds"], "until": params["wait_until"]}
    return text
