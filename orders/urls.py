from django.urls import path

from . import erp, sales_views, views

app_name = "orders"
urlpatterns = [
    path("purchase/", views.purchase_list, name="purchase_list"),
    path("purchase/review/", views.review_queue, name="review_queue"),
    path("purchase/new/", views.purchase_new, name="purchase_new"),
    path("purchase/upload/", views.purchase_upload, name="purchase_upload"),
    path("purchase/<int:pk>/change/<str:action>/", views.purchase_change, name="purchase_change"),
    path("erp/orders/", erp.erp_order_create, name="erp_order_create"),
    path("purchase/<int:pk>/", views.purchase_detail, name="purchase_detail"),
    path("purchase/<int:pk>/receive/", views.goods_receive, name="receive"),
    path("purchase/<int:pk>/confirmations/<int:version>/", views.confirmation_review, name="confirmation_review"),
    path(
        "purchase/<int:pk>/confirmations/<int:version>/<str:action>/",
        views.confirmation_decide,
        name="confirmation_decide",
    ),
    path("sales/", sales_views.sales_list, name="sales_list"),
    path("sales/<int:pk>/", sales_views.sales_detail, name="sales_detail"),
    path("sales/<int:pk>/confirm/<str:action>/", sales_views.sales_confirm, name="sales_confirm"),
    path("sales/<int:pk>/deliver/", sales_views.sales_deliver, name="sales_deliver"),
]
