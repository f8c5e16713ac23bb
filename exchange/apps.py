from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Message log: inbox, outbox, sync runs, support views."""

    name = "exchange"
