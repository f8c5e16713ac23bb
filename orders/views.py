from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("jakamo_portal.view_purchase_orders", raise_exception=True)
def purchase_list(request):
    return render(request, "section.html", {"title": "Purchase orders", "empty_text": "No purchase orders yet."})


@permission_required("jakamo_portal.view_sales_orders", raise_exception=True)
def sales_list(request):
    return render(request, "section.html", {"title": "Sales orders", "empty_text": "No sales orders yet."})
