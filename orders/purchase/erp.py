"""The ERP's door for new purchase orders: POST UBL Order XML with the client's bearer token.
Answers JSON: 201 with the order, 400 with every problem, 401 without a valid token."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common.params import declared_length, max_body

from . import intake, services

log = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def erp_order_create(request):
    client = intake.erp_client_for(request.headers.get("Authorization", ""))
    if client is None:
        return JsonResponse({"error": "A valid ERP client token is required (Authorization: Bearer …)."}, status=401)
    if declared_length(request) > max_body():
        log.warning("ERP client %s: a body of %s bytes refused", client.name, declared_length(request))
        return JsonResponse(
            {"error": _("The body is larger than %(limit)s bytes.") % {"limit": f"{max_body():,}"}}, status=413
        )
    try:
        order = intake.order_from_xml(client.integration, request.body)
    except services.OrderRefused as exc:
        return JsonResponse(
            {
                "error": "The order was refused; nothing was sent to Jakamo.",
                "problems": [{"where": p.path, "line": p.line, "message": p.message} for p in exc.problems],
            },
            status=400,
        )
    send = (
        order.integration.outbox.filter(document_key=order.order_number)
        .only("status", "blocked_reason")  # not the body: the whole order again
        .order_by("-id")
        .first()
    )
    return JsonResponse(
        {
            "order_number": order.order_number,
            "status": order.get_status_display(),
            "url": request.build_absolute_uri(order.get_absolute_url()),
            "send": {"status": send.status, "blocked_reason": send.blocked_reason} if send else None,
        },
        status=201,
    )
