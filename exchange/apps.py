from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Message log: inbox, outbox, sync runs, support views."""

    name = "exchange"

    def ready(self):
        from mappings import services as mappings

        from . import outbox, tasks, webhooks

        # A saved mapping releases the sends that were waiting for it.
        mappings.on_mapping_saved(outbox.release_blocked)
        # Pushed messages whose apply task was lost (a killed worker), picked up every minute.
        tasks.every_tick(webhooks.redrive_stored)
