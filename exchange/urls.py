from django.urls import path

from . import integration_views, views, webhook_views

app_name = "exchange"
urlpatterns = [
    path("", views.message_list, name="message_list"),
    path("bulk/", views.bulk_action, name="bulk_action"),
    path("<str:direction>/<int:pk>/body/", views.message_body, name="message_body"),
    path("in/<int:pk>/", views.inbox_detail, name="inbox_detail"),
    path("in/<int:pk>/reprocess/", views.inbox_reprocess, name="inbox_reprocess"),
    path("out/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("out/<int:pk>/<str:action>/", views.outbox_action, name="outbox_action"),
]

# Under /integrations/, in the "mappings" namespace beside the mappings app's own pages.
integration_urlpatterns = [
    path("", integration_views.integration_list, name="integration_list"),
    path("<int:pk>/", integration_views.integration_detail, name="integration_detail"),
    path("<int:pk>/sync/", integration_views.sync_now, name="sync_now"),
    path("<int:pk>/sync/<int:run_pk>/", integration_views.sync_status, name="sync_status"),
    path("<int:pk>/resume/", integration_views.resume, name="resume"),
    path("<int:pk>/webhook/credentials/", webhook_views.webhook_credentials, name="webhook_credentials"),
]
