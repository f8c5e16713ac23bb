from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Jakamo ASNs, ShipHero webhooks and receiving goods from a shipment."""

    name = "shipments"

    def ready(self):
        # Registers this app's inbound-message handlers with the exchange engine.
        from exchange import tasks

        from . import incoming, outgoing  # noqa: F401

        tasks.every_tick(outgoing.process_stale)
