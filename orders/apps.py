from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Purchase orders and sales orders, lines, delivery batches, confirmations and deviations."""

    name = "orders"

    def ready(self):
        from common import live
        from exchange import handlers, references
        from mappings.models import Kind

        from . import bounds, models, selectors
        from .purchase import services as purchase
        from .sales import services as sales

        # The inbound messages this app applies: (document type, integration kind) -> function.
        # The whole table: exchange.handlers.routing_table(), or `manage.py routes`.
        # Each checked first: a value that does not fit its column fails the message, named.
        for document_type, kind, handler in (
            ("OrderResponse", Kind.PURCHASE_ORDER, purchase.on_order_response),
            ("StatusMessage Delivered", Kind.PURCHASE_ORDER, purchase.on_delivered),
            ("Order", Kind.SALES_ORDER, sales.on_customer_order),
            ("OrderChange", Kind.SALES_ORDER, sales.on_customer_order),
        ):
            handlers.route(document_type, kind, bounds.checked(handler, document_type))
        handlers.route("StatusMessage Cancelled", Kind.SALES_ORDER, sales.on_customer_cancelled)
        # Live pages (common/live.py) change when an order, a confirmation, a decision or a receipt is new.
        live.watch(
            models.PurchaseOrder,
            models.Confirmation,
            models.Decision,
            models.Receipt,
            models.SalesOrder,
            models.SalesOrderVersion,
            models.SalesConfirmation,
        )
        # The message history links the orders its messages name, and shows their partners' names.
        references.finder(selectors.message_references)
