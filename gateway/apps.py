from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The ERP gateway: Jakamo's PO, SO and ASN APIs served by the portal, per ERP client."""

    name = "gateway"

    def ready(self):
        # Subscribes the client queues to what the exchange engine and the purchasers do.
        from . import queues  # noqa: F401
