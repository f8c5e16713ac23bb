"""Integration admins' pages: an integration's settings and credentials, its company and user
mappings, CSV import and export. Its health, sync runs and blocked sends are the engine's
(exchange/integration_views.py), on the same pages."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from common.errors import Refused

from . import csv_io, services
from .forms import CompanyMappingForm, CsvImportForm, IntegrationForm, UserMappingForm
from .models import CompanyMapping, Integration, Kind, UserMapping

JAKAMO_KINDS = [Kind.PURCHASE_ORDER, Kind.SALES_ORDER, Kind.ASN]

admin_only = permission_required("common.manage_integrations", raise_exception=True)
mappings_only = permission_required("common.manage_mappings", raise_exception=True)


def _form_errors(form) -> list[str]:
    """Each of a form's errors as "Label: error", never the field's code name."""
    lines = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else name
        lines.extend(f"{label}: {e}" for e in errors)
    return lines


@admin_only
def integration_edit(request, pk=None):
    integration = get_object_or_404(Integration, pk=pk) if pk else None
    kind = integration.kind if integration else (request.POST.get("kind") or request.GET.get("kind"))
    if kind not in Kind.values:
        # A new integration starts with its kind: each kind has its own fields.
        return render(request, "mappings/integration_kind.html", {"kinds": Kind.choices})
    form = IntegrationForm(request.POST or None, instance=integration, kind=kind)
    if request.method == "POST" and form.is_valid():
        integration = form.save()
        messages.success(request, _("%(v1)s saved.") % {"v1": integration.name})
        for other in services.sharing_credentials(integration):
            messages.warning(request, SHARED_CREDENTIALS % {"other": other.name})
        return redirect(integration)
    return render(
        request,
        "mappings/integration_form.html",
        {"form": form, "integration": integration, "kind": kind, "kind_display": Kind(kind).label},
    )


SHARED_CREDENTIALS = _lazy(
    "%(other)s logs in to the same Jakamo with the same credentials: the two would read and acknowledge "
    "each other's queue. Give each integration its own credentials."
)


@admin_only
@require_POST
def test_connection(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    check = services.test_connection(integration)
    (messages.success if check.ok else messages.error)(request, check.text)
    return redirect(integration)


@admin_only
@require_POST
def check_mapped_companies(request, pk):
    integration = get_object_or_404(Integration, pk=pk, kind__in=JAKAMO_KINDS)
    try:
        stored = services.check_mapped_companies(integration=integration, user=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Jakamo lists %(count)s mapped companies.") % {"count": len(stored.companies)})
    return redirect(f"{integration.get_absolute_url()}#jakamo-companies")


@admin_only
@require_POST
def archive(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    if request.POST.get("restore"):
        services.restore_integration(integration=integration, user=request.user)
        messages.success(request, _("%(v1)s restored: it syncs and sends again.") % {"v1": integration.name})
    else:
        services.archive_integration(integration=integration, user=request.user)
        messages.success(
            request,
            _("%(v1)s archived: it no longer syncs or sends. Restore it from its page.") % {"v1": integration.name},
        )
    return redirect(integration)


@admin_only
@require_POST
def delete(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    try:
        services.delete_integration(integration=integration, user=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect(integration)
    messages.success(request, _("%(v1)s deleted.") % {"v1": integration.name})
    return redirect("mappings:integration_list")


@mappings_only
@require_POST
def company_mapping_add(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    form = CompanyMappingForm(request.POST)
    if form.is_valid():
        services.save_company_mapping(integration=integration, user=request.user, **form.cleaned_data)
        messages.success(request, _("Company mapping %(v1)s saved.") % {"v1": form.cleaned_data["identifier"]})
    else:
        messages.error(request, _("Not saved: %(v1)s") % {"v1": " ".join(_form_errors(form))})
    return redirect(f"{integration.get_absolute_url()}#mappings")


@mappings_only
@require_POST
def user_mapping_add(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    form = UserMappingForm(request.POST)
    if form.is_valid():
        services.save_user_mapping(integration=integration, user=request.user, **form.cleaned_data)
        messages.success(request, _("User mapping %(v1)s saved.") % {"v1": form.cleaned_data["identifier"]})
    else:
        messages.error(request, _("Not saved: %(v1)s") % {"v1": " ".join(_form_errors(form))})
    return redirect(f"{integration.get_absolute_url()}#mappings")


@mappings_only
@require_POST
def mapping_delete(request, pk, what, mapping_pk):
    if what not in ("company", "user"):
        raise Http404
    model = CompanyMapping if what == "company" else UserMapping
    mapping = get_object_or_404(model, pk=mapping_pk, integration_id=pk)
    mapping.delete()
    messages.success(request, _("Mapping %(v1)s deleted.") % {"v1": mapping.identifier})
    return redirect(f"{mapping.integration.get_absolute_url()}#mappings")


@mappings_only
def csv_export(request, pk, what):
    if what not in ("companies", "users"):
        raise Http404
    integration = get_object_or_404(Integration, pk=pk)
    response = HttpResponse(csv_io.export_csv(integration, what), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{integration.name}-{what}-mappings.csv"'
    return response


@mappings_only
@require_POST
def csv_import(request, pk, what):
    if what not in ("companies", "users"):
        raise Http404
    integration = get_object_or_404(Integration, pk=pk)
    form = CsvImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Not imported: %(v1)s") % {"v1": " ".join(_form_errors(form))})
        return redirect(integration)
    upload = form.cleaned_data["file"]
    data = upload.read(csv_io.MAX_BYTES + 1)
    importer = csv_io.import_companies if what == "companies" else csv_io.import_users
    count, errors = importer(integration, data, request.user)
    if errors:
        # One line each, so a person can go down the file row by row.
        messages.error(request, _("Nothing was imported: %(count)s problems.") % {"count": len(errors)})
        for error in errors[:50]:
            messages.error(request, str(error))
    else:
        messages.success(request, _("%(v1)s %(v2)s mappings imported.") % {"v1": count, "v2": what})
    return redirect(f"{integration.get_absolute_url()}#mappings")
