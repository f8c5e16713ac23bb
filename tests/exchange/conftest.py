import pytest


@pytest.fixture(autouse=True)
def record_only_handlers(monkeypatch):
    """The engine is tested on its own: with no business handlers registered it only records each
    message's type and key (the business flows test their handlers in their own modules)."""
    from exchange import handlers

    monkeypatch.setattr(handlers, "HANDLERS", {})
