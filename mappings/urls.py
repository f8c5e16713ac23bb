from django.urls import path

from . import views

app_name = "mappings"
urlpatterns = [
    path("", views.integration_list, name="integration_list"),
    path("new/", views.integration_edit, name="integration_new"),
    path("<int:pk>/", views.integration_detail, name="integration_detail"),
    path("<int:pk>/edit/", views.integration_edit, name="integration_edit"),
    path("<int:pk>/test/", views.test_connection, name="test_connection"),
    path("<int:pk>/sync/", views.sync_now, name="sync_now"),
    path("<int:pk>/sync/<int:run_pk>/", views.sync_status, name="sync_status"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/mappings/company/", views.company_mapping_add, name="company_mapping_add"),
    path("<int:pk>/mappings/user/", views.user_mapping_add, name="user_mapping_add"),
    path("<int:pk>/mappings/<str:what>/<int:mapping_pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("<int:pk>/mappings/<str:what>.csv", views.csv_export, name="csv_export"),
    path("<int:pk>/mappings/<str:what>/import/", views.csv_import, name="csv_import"),
]
