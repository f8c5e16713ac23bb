from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The ERP gateway: Jakamo's PO, SO and ASN APIs served by the portal, per ERP client."""

    name = "gateway"

    def ready(self):
        from orders.purchase import services as purchase

        from . import queues  # subscribes the client queues to what the exchange engine handles

        # A confirmation the purchaser accepts goes to the "decided" clients.
        purchase.after_acceptance(queues.pass_accepted)
