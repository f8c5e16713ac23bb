from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("purchase/", views.purchase_list, name="purchase_list"),
    path("sales/", views.sales_list, name="sales_list"),
]
