from django.urls import path

from . import views

app_name = "shipments"
urlpatterns = [
    path("", views.shipment_list, name="list"),
    path("<int:pk>/", views.shipment_detail, name="detail"),
    path("<int:pk>/receive/", views.shipment_receive, name="receive"),
    path("<int:pk>/link/", views.item_link, name="item_link"),
    path("shiphero/", views.webhook_list, name="webhook_list"),
    path("shiphero/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("shiphero/<int:pk>/link/", views.webhook_link, name="webhook_link"),
    path("shiphero/<int:pk>/replay/", views.webhook_replay, name="webhook_replay"),
]
