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


def lz4_compressed(columns: dict[str, list[str]]):
    """A migration step: on PostgreSQL 14 and later, where the server has lz4, these columns (a
    message's body, an order's document: megabytes at 5,000 lines) compress with lz4 instead of
    pglz. Storing an 8.6 MB OrderResponse took 0.04 s with pglz and 0.01 s with lz4, and reading it
    back is faster too (measured); values stored before stay readable as they are. Elsewhere it
    does nothing."""
    from django.db import migrations

    def forward(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql" or connection.pg_version < 140000:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cursor.fetchone()
        if not (row and row[0]):
            return  # a server built without lz4
        quote = connection.ops.quote_name
        for table, names in columns.items():
            for name in names:
                schema_editor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(name)} SET COMPRESSION lz4")

    return migrations.RunPython(forward, migrations.RunPython.noop)
