from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Message log: inbox, outbox, sync runs, support views."""

    name = "exchange"

    def ready(self):
        from common import live
        from mappings import services as mappings

        from . import models, outbox, tasks, webhooks

        # A saved mapping releases the sends that were waiting for it.
        mappings.on_mapping_saved(outbox.release_blocked)
        # Live pages (common/live.py) change when a message arrives, is sent, or moves, or a sync runs.
        live.watch(models.InboxMessage, models.OutboxMessage, models.StatusChange, models.SyncRun)
        # Pushed messages whose apply task was lost (a killed worker), picked up every minute.
        tasks.every_tick(webhooks.redrive_stored)
