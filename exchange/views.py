"""Message history for Support and admins: search, the raw message, attempts, reprocess/resend."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.csv_export import csv_response, wants_csv
from common.errors import Refused
from mappings.models import Integration

from . import inbox, outbox, references, selectors, support, transitions
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
    page, filters = selectors.filtered_page(request.GET)
    references.annotate(page.object_list, request.user)
    statuses = sorted(set(InboxMessage.Status.choices) | set(OutboxMessage.Status.choices))
    labels = dict(statuses)
    group = filters["status"].split(",") if "," in filters["status"] else []
    return render(
        request,
        "exchange/message_list.html",
        {
            "page": page,
            "filters": filters,
            "integrations": Integration.objects.all(),
            "statuses": statuses,
            "document_types": selectors.DOCUMENT_TYPES,
            "status_group": ", ".join(str(labels.get(s, s)) for s in group),
            "can_operate": request.user.has_perm("common.reprocess_messages"),
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
    outcome = support.reprocess(row, request.user)
    (messages.success if outcome.result == "done" else messages.error)(request, outcome.text)
    return redirect(row)


@operate
@require_POST
def bulk_action(request):
    """Reprocess or resend the messages ticked on the history page; one outcome per message."""
    action = request.POST.get("action")
    if action not in ("reprocess", "resend"):
        messages.error(request, _("Choose Reprocess or Resend."))
        return redirect("exchange:message_list")
    refs = request.POST.getlist("message")
    if not refs:
        messages.error(request, _("Tick the messages to act on first."))
        return redirect(request.POST.get("back") or "exchange:message_list")
    outcomes = support.act_on_many(action, refs, request.user, request.POST.get("note", "")[:1000])
    return render(
        request,
        "exchange/bulk_result.html",
        {"action": action, "outcomes": outcomes, "back": _back(request.POST.get("back"))},
    )


def _back(value) -> str:
    """The history page the person came from, only ever a path of this site's message list."""
    base = reverse("exchange:message_list")
    return value if isinstance(value, str) and value.startswith(base) and "//" not in value else base


@history
def message_body(request, direction, pk):
    """The raw body as it was stored, as a file, named after the message."""
    if direction not in ("in", "out"):
        raise Http404("No such direction.")
    row = get_object_or_404(InboxMessage if direction == "in" else OutboxMessage, pk=pk)
    if row.body_removed_at:
        messages.error(request, _("The body of this message was removed by retention; there is nothing to download."))
        return redirect(row)
    body = bytes(row.body)
    extension, content_type = _file_kind(body)
    response = HttpResponse(body, content_type=content_type)
    name = "-".join(p for p in (direction, str(row.pk), row.document_type, row.document_key) if p)
    response["Content-Disposition"] = content_disposition_header(True, f"{slugify(name)}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_kind(body: bytes) -> tuple[str, str]:
    """Named by what the body is, as the detail page reads it: JSON (ASNs, ShipHero) or XML (UBL,
    StatusMessage); anything else, a body that was refused, as text."""
    head = body.lstrip()[:1]
    if head in (b"{", b"["):
        return "json", "application/json"
    if head == b"<":
        return "xml", "application/xml"
    return "txt", "text/plain; charset=utf-8"


@operate
@require_POST
def outbox_action(request, pk, action):
    row = get_object_or_404(OutboxMessage, pk=pk)
    note = request.POST.get("note", "")[:1000]
    try:
        if action == "resend":
            outcome = support.resend(row, request.user, note)
            (messages.success if outcome.result == "done" else messages.error)(request, outcome.text)
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
