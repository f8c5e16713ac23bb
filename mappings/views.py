from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("jakamo_portal.manage_integrations", raise_exception=True)
def integration_list(request):
    return render(request, "section.html", {"title": "Integrations", "empty_text": "No integrations configured yet."})
