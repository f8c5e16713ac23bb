from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Purchase orders and sales orders, lines, delivery batches, confirmations and deviations."""

    name = "orders"

    def ready(self):
        from exchange import handlers
        from mappings.models import Kind

        from .purchase import services as purchase
        from .sales import services as sales

        # The inbound messages this app applies: (document type, integration kind) -> function.
        # The whole table: exchange.handlers.routing_table(), or `manage.py routes`.
        handlers.route("OrderResponse", Kind.PURCHASE_ORDER, purchase.on_order_response)
        handlers.route("StatusMessage Delivered", Kind.PURCHASE_ORDER, purchase.on_delivered)
        handlers.route("Order", Kind.SALES_ORDER, sales.on_customer_order)
        handlers.route("OrderChange", Kind.SALES_ORDER, sales.on_customer_order)
        handlers.route("StatusMessage Cancelled", Kind.SALES_ORDER, sales.on_customer_cancelled)
