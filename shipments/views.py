from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("jakamo_portal.view_shipments", raise_exception=True)
def shipment_list(request):
    return render(request, "section.html", {"title": "Shipments", "empty_text": "No shipments yet."})
