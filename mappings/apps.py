from django.apps import AppConfig


class MappingsConfig(AppConfig):
    """Integrations, encrypted credentials, company and user mappings."""

    name = "mappings"
