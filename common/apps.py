from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared ground below every app: roles and their permissions, parameter parsing, form fields,
    CSV export, middleware. Nothing here imports an app."""

    name = "common"
    verbose_name = "Jakamo Portal"

    def ready(self):
        from . import live
        from .transitions import StatusChange

        # Every status an order or a shipment takes is recorded here: live pages count it as a change.
        live.watch(StatusChange)
