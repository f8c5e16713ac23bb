from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("purchase/", views.purchase_list, name="purchase_list"),
    path("purchase/review/", views.review_queue, name="review_queue"),
    path("purchase/<int:pk>/", views.purchase_detail, name="purchase_detail"),
    path("purchase/<int:pk>/receive/", views.goods_receive, name="receive"),
    path("purchase/<int:pk>/confirmations/<int:version>/", views.confirmation_review, name="confirmation_review"),
    path(
        "purchase/<int:pk>/confirmations/<int:version>/<str:action>/",
        views.confirmation_decide,
        name="confirmation_decide",
    ),
    path("sales/", views.sales_list, name="sales_list"),
]
