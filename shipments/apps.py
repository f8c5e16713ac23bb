from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Jakamo ASNs, ShipHero webhooks and receiving goods from a shipment."""

    name = "shipments"
