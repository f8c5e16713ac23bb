from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: roles and their permissions, navigation, the home dashboard."""

    name = "jakamo_portal"
    verbose_name = "Jakamo Portal"
