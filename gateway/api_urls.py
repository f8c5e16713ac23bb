from django.urls import path

from . import api

app_name = "gateway_api"
urlpatterns = [
    path("api/order", api.order, name="order"),
    path("api/order/response", api.response_queue, name="response_queue"),
    path("api/order/<path:order_id>", api.order_status, name="order_status"),
    path("api/orderresponse", api.order_response, name="order_response"),
    path("api/asn", api.asn_queue, name="asn_queue"),
    path("api/ack/<str:token>", api.acknowledge, name="ack"),
    path("api/confirm/<str:token>", api.confirm, name="confirm"),
    path("oauth2/token", api.token, name="token"),
]
