from django.urls import path

from . import api, views

app_name = "sandbox"

urlpatterns = [
    path("", views.home, name="home"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/act/", views.order_action, name="order_action"),
    path("customer-order/", views.customer_order, name="customer_order"),
    path("faults/", views.faults, name="faults"),
    path("shiphero/", views.shiphero, name="shiphero"),
    # The simulated Jakamo API: base URL {server}/sandbox/jakamo + the documented paths.
    path("jakamo/api/order", api.order, name="api_order"),
    path("jakamo/api/order/response", api.response_queue, name="api_response_queue"),
    path("jakamo/api/order/<path:order_id>", api.order_status, name="api_order_status"),
    path("jakamo/api/orderresponse", api.order_response, name="api_order_response"),
    path("jakamo/api/asn", api.asn_queue, name="api_asn_queue"),
    path("jakamo/api/ack/<str:token>", api.acknowledge, name="ack"),
    path("jakamo/api/confirm/<str:token>", api.confirm, name="confirm"),
    path("jakamo/oauth2/token", api.token, name="token"),
]
