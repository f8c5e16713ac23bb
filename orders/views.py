from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("jakamo_portal.view_purchase_orders", raise_exception=True)
def purchase_list(request):
    return render(request, "section.html", {"title": "Purchase orders", "empty_text": "No purchase orders yet."})


@permission_required("jakamo_portal.view_sales_orders", raise_exception=True)
def sales_list(request):
    return render(request, "section.html", {"title": "Sales orders", "empty_text": "No sales orders yet."})


@permission_required("jakamo_portal.view_purchase_orders", raise_exception=True)
def purchase_detail(request, pk):
    from django.shortcuts import get_object_or_404

    from .models import PurchaseOrder

    order = get_object_or_404(PurchaseOrder, pk=pk)
    return render(
        request,
        "section.html",
        {"title": f"Purchase order {order.order_number}", "empty_text": order.get_status_display()},
    )
