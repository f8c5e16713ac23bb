"""Home (each person's dashboard), the language switch and the health endpoint."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import charts, dashboard, health, people
from .middleware import SESSION_KEY


def home(request):
    context = dashboard.home(request.user)
    if request.user.has_perm("common.view_message_history"):
        daily = charts.messages_per_day()
        context["daily"] = daily
        context["daily_chart"] = charts.stacked_columns(daily, title=_("Messages per day by type, last 30 days"))
    if request.user.has_perm("common.view_purchase_orders"):
        suppliers, context["suppliers_at"] = charts.supplier_figures_recent()
        context["suppliers"] = suppliers
        context["supplier_charts"] = [
            _chart(
                "chart-deviations",
                _("Share of confirmations with deviations"),
                _("Per supplier: of all its confirmations, the percentage (%) that differed from the order."),
                [(s.supplier, s.deviation_share) for s in suppliers],
                maximum=100,
                unit=" %",
            ),
            _chart(
                "chart-hours",
                _("Median hours from order to confirmation"),
                _("Per supplier: the median time in hours (h) from sending an order to its first confirmation."),
                [(s.supplier, s.median_hours) for s in suppliers],
                unit=" h",
            ),
            _chart(
                "chart-on-time",
                _("On-time delivery rate"),
                _(
                    "Per supplier: the percentage (%) of delivered batches that arrived on or before the promised "
                    "date (the requested date where none was promised)."
                ),
                [(s.supplier, s.on_time_rate) for s in suppliers],
                maximum=100,
                unit=" %",
            ),
        ]
    return render(request, "operations/home.html", context)


def _chart(key: str, title: str, explanation: str, rows, **options) -> dict:
    """A chart with the title and unit explanation shown above it (the SVG's own title is for
    screen readers only)."""
    return {
        "id": key,
        "title": title,
        "explanation": explanation,
        "svg": charts.horizontal_bars(rows, title=title, **options),
    }


@require_POST
def language(request):
    choice = request.POST.get("language", "")
    try:
        people.set_language(request.user, choice)
    except ValueError:
        return HttpResponseBadRequest(_("Unknown language."))
    request.session[SESSION_KEY] = choice
    target = request.POST.get("next", "")
    # Only a path on this site: ``redirect`` would read a bare word ("home", "-1") as a view name and
    # fail with NoReverseMatch, and anything else is an open redirect.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    translation.activate(choice)
    return HttpResponseRedirect(target)


@login_not_required
@never_cache
@require_GET
def health_view(request):
    result = health.check()
    return JsonResponse(result, status=200 if result["ok"] else 503)


def permission_denied(request, exception=None):
    """The 403 page (``handler403``) in the portal's layout: what happened, and a way back to the
    page the person came from (when it is ours) or home."""
    back = request.META.get("HTTP_REFERER", "")
    if back and not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = ""
    if back and request.build_absolute_uri() == back:
        back = ""
    return render(request, "403.html", {"back": back}, status=403)
