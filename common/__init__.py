"""Shared ground below every app: plain helpers that orders, shipments, mappings, exchange, the
gateway and the sandbox all use. Nothing in this package imports one of them (tests/test_layers.py)."""
