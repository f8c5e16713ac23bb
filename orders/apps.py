from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Purchase orders and sales orders, lines, delivery batches, confirmations and deviations."""

    name = "orders"

    def ready(self):
        # Registers this app's inbound-message handlers with the exchange engine.
        from .purchase import services  # noqa: F401
        from .sales import services as sales  # noqa: F401
