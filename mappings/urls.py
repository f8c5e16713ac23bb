from django.urls import path

from . import views

app_name = "mappings"
urlpatterns = [path("", views.integration_list, name="integration_list")]
