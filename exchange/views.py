"""Message history for Support and admins: search, the raw message, attempts, reprocess/resend."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from common.errors import Refused
from mappings.models import Integration

from . import inbox, outbox, selectors, transitions
from .models import InboxMessage, OutboxMessage, WebhookRefusal

history = permission_required("common.view_message_history", raise_exception=True)
operate = permission_required("common.reprocess_messages", raise_exception=True)


@history
def message_list(request):
    if wants_csv(request):
        return csv_response(
            "messages",
            ["direction", "at", "integration", "type", "order", "partner", "status", "error"],
            (
                [
                    r["direction"],
                    r["at"],
                    r["obj"].integration.name,
                    r["obj"].document_type,
                    r["obj"].document_key,
                    r["obj"].partner,
                    r["obj"].status,
                    r["obj"].error if r["direction"] == "in" else (r["obj"].last_error or r["obj"].blocked_reason),
                ]
                for r in selectors.filtered_all(request.GET)
            ),
        )
    rows, filters = selectors.filtered(request.GET)
    statuses = sorted(set(InboxMessage.Status.choices) | set(OutboxMessage.Status.choices))
    labels = dict(statuses)
    group = filters["status"].split(",") if "," in filters["status"] else []
    return render(
        request,
        "exchange/message_list.html",
        {
            "rows": rows,
            "filters": filters,
            "integrations": Integration.objects.all(),
            "statuses": statuses,
            "status_group": ", ".join(str(labels.get(s, s)) for s in group),
            # Stored nothing, so not in the list above; support sees them here (admins also per integration).
            "webhook_refusals": WebhookRefusal.objects.select_related("integration")[:20],
        },
    )


def _detail(request, row, direction: str, attempts, content_type: str):
    return render(
        request,
        "exchange/message_detail.html",
        {
            "row": row,
            "direction": direction,
            "pretty": selectors.pretty(bytes(row.body), content_type),
            "attempts": attempts,
            "audit": row.audit.select_related("user"),
            "status_changes": row.status_changes.select_related("by"),
            "superseded_by": inbox.superseded_by(row) if direction == "in" else None,
            "can_operate": request.user.has_perm("common.reprocess_messages"),
        },
    )


@history
def inbox_detail(request, pk):
    row = get_object_or_404(InboxMessage.objects.select_related("integration", "duplicate_of"), pk=pk)
    return _detail(request, row, "in", row.attempts.all(), row.content_type)


@history
def outbox_detail(request, pk):
    row = get_object_or_404(OutboxMessage.objects.select_related("integration", "created_by"), pk=pk)
    return _detail(request, row, "out", row.attempt_log.all(), "")


@operate
@require_POST
def inbox_reprocess(request, pk):
    row = get_object_or_404(InboxMessage, pk=pk)
    if row.status not in (InboxMessage.Status.FAILED, InboxMessage.Status.PROCESSED, InboxMessage.Status.ACKNOWLEDGED):
        messages.error(request, _("A message that is “%(v1)s” is not reprocessed.") % {"v1": row.get_status_display()})
        return redirect(row)
    try:
        if inbox.reprocess(row, request.user):
            messages.success(request, _("Reprocessed."))
        else:
            messages.error(request, _("Reprocessing failed again: %(v1)s") % {"v1": row.error})
    except inbox.Refused as refused:
        if refused.code == "superseded":
            later = refused.superseded_by
            messages.error(
                request,
                _(
                    "Not reprocessed: a later %(type)s about %(key)s (message %(pk)s) has been applied, so this "
                    "one is superseded. Applying it now would put an answer that is no longer current over it."
                )
                % {"type": later.document_type, "key": later.document_key, "pk": later.pk},
            )
        else:
            messages.error(
                request, _("The body of this message was removed by retention; there is nothing to reprocess.")
            )
    except transitions.TransitionError:
        messages.error(request, _("Someone else changed this message meanwhile; look at it again."))
    return redirect(row)


@operate
@require_POST
def outbox_action(request, pk, action):
    row = get_object_or_404(OutboxMessage, pk=pk)
    note = request.POST.get("note", "")[:1000]
    try:
        if action == "resend":
            if row.status not in (
                OutboxMessage.Status.REJECTED,
                OutboxMessage.Status.UNKNOWN,
                OutboxMessage.Status.CANCELLED,
                OutboxMessage.Status.RETRY,
            ):
                raise Refused(
                    "not_resendable",
                    gettext_lazy("A message that is “%(status)s” is not resent."),
                    status=row.get_status_display(),
                )
            outbox.resend(row, request.user, note)
            messages.success(request, _("Queued to send again."))
        elif action == "cancel":
            outbox.cancel(row, request.user, note)
            messages.success(request, _("Cancelled."))
        elif action == "mark_sent":
            outbox.mark_sent(row, request.user, note)
            messages.success(request, _("Marked as sent."))
        else:
            raise Http404("No such action.")
    except Refused as exc:
        messages.error(request, exc.message)
    except transitions.TransitionError:
        messages.error(
            request,
            _("A message that is “%(v1)s” cannot be moved that way; look at it again.")
            % {"v1": row.get_status_display()},
        )
    return redirect(row)
