from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    """Jakamo ASNs, ShipHero webhooks and receiving goods from a shipment."""

    name = "shipments"

    def ready(self):
        from common import live
        from exchange import handlers, tasks
        from mappings.models import Kind
        from orders import selectors as order_selectors

        from . import bounds, incoming, models, outgoing, selectors

        # The inbound messages this app applies: (document type, integration kind) -> function.
        # The whole table: exchange.handlers.routing_table(), or `manage.py routes`.
        # Checked first: a value that does not fit its column fails the message, named.
        handlers.route("ASN", Kind.ASN, bounds.checked_asn(incoming.on_asn))
        handlers.route("ShipHeroShipmentASN", Kind.SHIPHERO, outgoing.on_shipment_asn)
        # ShipHero calls whose processing task was lost with a killed worker, picked up every minute.
        tasks.every_tick(outgoing.process_stale)
        # The order page's shipments, receipts' origins and what shipments brought short.
        order_selectors.register_shipping_source(selectors.order_shipping)
        # Live pages (common/live.py) change when a shipment arrives or goods are received from one.
        live.watch(models.Shipment, models.ShipmentReceipt)
