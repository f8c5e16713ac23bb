"""Statements that carry a whole message: its values sent beside the SQL, not written into it.

Django's PostgreSQL backend binds parameters on the client: psycopg writes each value into the SQL
text, a bytea as hex escapes at twice its size, and PostgreSQL parses the text back. A 5,000-line
order's OrderResponse (8.6 MB) took 0.16-0.21 s to insert that way and 0.04 s sent apart from the
statement (PostgreSQL's own binding, Django's ``server_side_binding``); as text 0.08 s against
0.04 s (measured). Small values gain nothing, and server-side binding everywhere would change how
every query is typed, so only the statements writing a message or a document use it."""

from __future__ import annotations

import contextlib

from django.db import DEFAULT_DB_ALIAS, connections


@contextlib.contextmanager
def values_apart(using: str = DEFAULT_DB_ALIAS):
    """Inside, the connection's new cursors bind their parameters on the server (PostgreSQL;
    elsewhere nothing changes). No prepared statements follow from it: Django keeps psycopg's
    ``prepare_threshold`` off, so connection poolers work as before."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    before = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    try:
        yield
    finally:
        raw.cursor_factory = before
