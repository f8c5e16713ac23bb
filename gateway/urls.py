from django.urls import path

from . import views

app_name = "gateway"
urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("new/", views.client_new, name="client_new"),
    path("<int:pk>/", views.client_detail, name="client_detail"),
    path("<int:pk>/rotate/", views.client_rotate, name="client_rotate"),
]
