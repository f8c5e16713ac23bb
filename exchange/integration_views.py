"""The integration pages as the engine sees them: every integration with its health, one
integration with its settings, mappings, sync runs and blocked sends, "Sync now" and "Resume".
Routed under /integrations/ beside the mappings app's pages, in one namespace (jakamo_portal/urls.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.params import LARGEST_ID, whole_number
from mappings import services as mapping_services
from mappings.forms import KIND_FIELDS, CompanyMappingForm, CsvImportForm, UserMappingForm
from mappings.models import Integration

from . import inbox, selectors, transitions, webhook_views, webhooks
from .models import OutboxMessage, SyncRun, SyncState

admin_only = permission_required("common.manage_integrations", raise_exception=True)


@admin_only
def integration_list(request):
    integrations = Integration.objects.select_related("sync_state")
    # Archived ones only on request: they no longer sync or send.
    show_archived = request.GET.get("archived") == "1"
    if not show_archived:
        integrations = integrations.filter(archived_at__isnull=True)
    integrations = list(integrations)
    for integration in integrations:
        # Set up and silent for longer than expected: polling carries the queue meanwhile.
        state = SyncState.current(integration)
        integration.webhook_silent = integration.accepts_pushes and not webhooks.pushes_healthy(integration, state)
    return render(
        request,
        "exchange/integration_list.html",
        {
            "integrations": integrations,
            "now": timezone.now(),
            "show_archived": show_archived,
            "archived_count": Integration.objects.filter(archived_at__isnull=False).count(),
        },
    )


@admin_only
def integration_detail(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    tick = selectors.tick_seconds()
    state = SyncState.objects.filter(integration=integration).first()
    return render(
        request,
        "exchange/integration_detail.html",
        {
            "integration": integration,
            "tick": tick,
            "sync_every": selectors.sync_interval(integration.poll_interval, tick),
            "state": state,
            "webhook": webhooks.health(integration, state) if integration.is_jakamo else None,
            "webhook_setup": webhook_views.setup(request, integration) if integration.is_jakamo else None,
            "webhook_poll_interval": webhooks.poll_interval(integration, state) if integration.is_jakamo else None,
            "waiting_until": state.wait_until
            if state and state.wait_until and state.wait_until > timezone.now()
            else None,
            "company_mappings": integration.company_mappings.all(),
            "user_mappings": integration.user_mappings.select_related("user"),
            "company_form": CompanyMappingForm(),
            "user_form": UserMappingForm(),
            "csv_form": CsvImportForm(),
            "paths": [getattr(integration, f) for f in KIND_FIELDS.get(integration.kind, []) if f.startswith("path_")],
            "sharing": mapping_services.sharing_credentials(integration),
            "comparison": mapping_services.compare_mapped_companies(integration),
            "default_role": mapping_services.default_role(integration),
            "runs": integration.sync_runs.all()[:15],
            "blocked": OutboxMessage.objects.filter(integration=integration, status=OutboxMessage.Status.BLOCKED)[:50],
            # The run the page follows live after "Sync now"; anything else in the address is no run.
            "live_run": whole_number(request.GET.get("run"), largest=LARGEST_ID),
        },
    )


@admin_only
@require_POST
def sync_now(request, pk):
    from django_q.tasks import async_task

    integration = get_object_or_404(Integration, pk=pk)
    run = transitions.create(SyncRun, status=SyncRun.Status.RUNNING, integration=integration, triggered_by=request.user)
    async_task("exchange.tasks.sync_integration", integration.pk, run.pk, task_name=f"sync-now-{run.pk}", group="sync")
    messages.info(request, _("Sync started."))
    return redirect(f"{integration.get_absolute_url()}?run={run.pk}#sync")


@admin_only
def sync_status(request, pk, run_pk):
    run = get_object_or_404(SyncRun, pk=run_pk, integration_id=pk)
    return JsonResponse(
        {
            "status": run.status,
            "status_display": run.get_status_display(),
            "fetched": run.fetched,
            "processed": run.processed,
            "failed": run.failed,
            "duplicates": run.duplicates,
            "error": run.reason,
            "finished": run.finished_at is not None,
        }
    )


@admin_only
@require_POST
def resume(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    inbox.resume(integration)
    messages.success(request, _("%(v1)s will be synced again.") % {"v1": integration.name})
    return redirect(integration)
