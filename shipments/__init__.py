"""Shipments: Jakamo ASNs, ShipHero Shipment ASN webhooks, receiving goods from a shipment."""
