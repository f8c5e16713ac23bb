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
from mappings.forms import CompanyMappingForm, CsvImportForm, UserMappingForm
from mappings.models import Integration

from . import inbox, transitions
from .models import OutboxMessage, SyncRun, SyncState

admin_only = permission_required("common.manage_integrations", raise_exception=True)


@admin_only
def integration_list(request):
    integrations = Integration.objects.select_related("sync_state")
    return render(request, "exchange/integration_list.html", {"integrations": integrations, "now": timezone.now()})


@admin_only
def integration_detail(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    state = SyncState.objects.filter(integration=integration).first()
    return render(
        request,
        "exchange/integration_detail.html",
        {
            "integration": integration,
            "state": state,
            "waiting_until": state.wait_until
            if state and state.wait_until and state.wait_until > timezone.now()
            else None,
            "company_mappings": integration.company_mappings.all(),
            "user_mappings": integration.user_mappings.select_related("user"),
            "company_form": CompanyMappingForm(),
            "user_form": UserMappingForm(),
            "csv_form": CsvImportForm(),
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
            "error": run.error,
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
