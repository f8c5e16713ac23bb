from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The ERP gateway: Jakamo's PO, SO and ASN APIs served by the portal, per ERP client."""

    name = "gateway"

    def ready(self):
        from exchange import handlers
        from orders.purchase import services as purchase

        from . import queues

        # Every handled inbound message is copied into the integration's client queues...
        handlers.subscribe(queues.publish)
        # ...and a confirmation the purchaser accepts goes to the "decided" clients.
        purchase.after_acceptance(queues.pass_accepted)
