from django.urls import path

from common import jakamo_face

from . import api, views

app_name = "sandbox"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/act/", views.order_action, name="order_action"),
    path("customer-order/", views.customer_order, name="customer_order"),
    path("faults/", views.faults, name="faults"),
    path("shiphero/", views.shiphero, name="shiphero"),
    path("webhook/", views.jakamo_webhook, name="jakamo_webhook"),
    # The simulated Jakamo API: base URL {server}/sandbox/jakamo + the documented paths.
    *jakamo_face.urlpatterns(
        api.BACKEND,
        prefix="jakamo/",
        names={
            endpoint: f"api_{endpoint}"
            for endpoint in ("order", "response_queue", "order_status", "order_response", "asn_queue")
        },
    ),
]
