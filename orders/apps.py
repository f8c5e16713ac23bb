from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Purchase orders and sales orders, lines, delivery batches, confirmations and deviations."""

    name = "orders"
