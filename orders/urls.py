from django.urls import path

from .purchase import erp, form_views
from .purchase import views as purchase_views
from .sales import views as sales_views

app_name = "orders"
urlpatterns = [
    path("purchase/", purchase_views.purchase_list, name="purchase_list"),
    path("purchase/review/", purchase_views.review_queue, name="review_queue"),
    path("purchase/new/", form_views.purchase_new, name="purchase_new"),
    path("purchase/upload/", purchase_views.purchase_upload, name="purchase_upload"),
    path("purchase/<int:pk>/change/<str:action>/", purchase_views.purchase_change, name="purchase_change"),
    path("erp/orders/", erp.erp_order_create, name="erp_order_create"),
    path("purchase/<int:pk>/", purchase_views.purchase_detail, name="purchase_detail"),
    path("purchase/<int:pk>/receive/", purchase_views.goods_receive, name="receive"),
    path(
        "purchase/<int:pk>/confirmations/<int:version>/", purchase_views.confirmation_review, name="confirmation_review"
    ),
    path(
        "purchase/<int:pk>/confirmations/<int:version>/<str:action>/",
        purchase_views.confirmation_decide,
        name="confirmation_decide",
    ),
    path("sales/", sales_views.sales_list, name="sales_list"),
    path("sales/<int:pk>/", sales_views.sales_detail, name="sales_detail"),
    path("sales/<int:pk>/confirm/<str:action>/", sales_views.sales_confirm, name="sales_confirm"),
    path("sales/<int:pk>/deliver/", sales_views.sales_deliver, name="sales_deliver"),
    path("purchase/<int:pk>/edit/", form_views.purchase_edit, name="purchase_edit"),
    path("purchase/<int:pk>/xml/", form_views.purchase_xml, name="purchase_xml"),
    path("purchase/sample.xml", form_views.purchase_sample_xml, name="purchase_sample_xml"),
]
