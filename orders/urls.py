from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("purchase/", views.purchase_list, name="purchase_list"),
    path("purchase/<int:pk>/", views.purchase_detail, name="purchase_detail"),
    path("sales/", views.sales_list, name="sales_list"),
]
