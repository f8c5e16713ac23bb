from django.urls import path

from . import views

# The integration pages of the engine (list, detail, sync, resume) join these under the same
# namespace in jakamo_portal/urls.py.
app_name = "mappings"
urlpatterns = [
    path("new/", views.integration_edit, name="integration_new"),
    path("<int:pk>/edit/", views.integration_edit, name="integration_edit"),
    path("<int:pk>/test/", views.test_connection, name="test_connection"),
    path("<int:pk>/jakamo-companies/", views.check_mapped_companies, name="check_mapped_companies"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/mappings/company/", views.company_mapping_add, name="company_mapping_add"),
    path("<int:pk>/mappings/user/", views.user_mapping_add, name="user_mapping_add"),
    path("<int:pk>/mappings/<str:what>/<int:mapping_pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("<int:pk>/mappings/<str:what>.csv", views.csv_export, name="csv_export"),
    path("<int:pk>/mappings/<str:what>/import/", views.csv_import, name="csv_import"),
]
