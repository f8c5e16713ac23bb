from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared ground below every app: roles and their permissions, parameter parsing, form fields,
    CSV export, middleware. Nothing here imports an app."""

    name = "common"
    verbose_name = "Jakamo Portal"
