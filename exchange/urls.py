from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.message_list, name="message_list"),
    path("in/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("in/<int:pk>/reprocess/", views.inbox_reprocess, name="inbox_reprocess"),
    path("out/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("out/<int:pk>/<str:action>/", views.outbox_action, name="outbox_action"),
]
