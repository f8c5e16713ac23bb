import pytest

from tests.helpers import record_only_routes


@pytest.fixture(autouse=True)
def record_only_handlers(monkeypatch):
    """The engine is tested on its own: every type that can arrive on each kind is routed to a
    function that does nothing, so each message is only recorded with its type and key (the business
    flows test their handlers in their own modules)."""
    from exchange import handlers

    monkeypatch.setattr(handlers, "HANDLERS", record_only_routes())
