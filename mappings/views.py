"""Integration admins' pages: an integration's settings and credentials, its company and user
mappings, CSV import and export. Its health, sync runs and blocked sends are the engine's
(exchange/integration_views.py), on the same pages."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import csv_io, services
from .forms import CompanyMappingForm, CsvImportForm, IntegrationForm, UserMappingForm
from .models import CompanyMapping, Integration, UserMapping

admin_only = permission_required("common.manage_integrations", raise_exception=True)
mappings_only = permission_required("common.manage_mappings", raise_exception=True)


@admin_only
def integration_edit(request, pk=None):
    integration = get_object_or_404(Integration, pk=pk) if pk else None
    form = IntegrationForm(request.POST or None, instance=integration)
    if request.method == "POST" and form.is_valid():
        integration = form.save()
        messages.success(request, _("%(v1)s saved.") % {"v1": integration.name})
        return redirect(integration)
    return render(request, "mappings/integration_form.html", {"form": form, "integration": integration})


@admin_only
@require_POST
def test_connection(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    ok, text = services.test_connection(integration)
    (messages.success if ok else messages.error)(request, text)
    return redirect(integration)


@mappings_only
@require_POST
def company_mapping_add(request, pk):
    integration = get_object_or_404(Integration, pk=pk)
    form = CompanyMappingForm(request.POST)
    if form.is_valid():
        services.save_company_mapping(integration=integration, user=request.user, **form.cleaned_data)
        messages.success(request, _("Company mapping %(v1)s saved.") % {"v1": form.cleaned_data["identifier"]})
    else:
        messages.error(request, _("Not saved: %(v1)s") % {"v1": form.errors.as_text()})
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
        messages.error(request, _("Not saved: %(v1)s") % {"v1": form.errors.as_text()})
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
        messages.error(request, _("Not imported: %(v1)s") % {"v1": form.errors.as_text()})
        return redirect(integration)
    upload = form.cleaned_data["file"]
    data = upload.read(csv_io.MAX_BYTES + 1)
    importer = csv_io.import_companies if what == "companies" else csv_io.import_users
    count, errors = importer(integration, data, request.user)
    if errors:
        messages.error(request, _("Nothing was imported. ") + " ".join(str(e) for e in errors[:50]))
    else:
        messages.success(request, _("%(v1)s %(v2)s mappings imported.") % {"v1": count, "v2": what})
    return redirect(f"{integration.get_absolute_url()}#mappings")
