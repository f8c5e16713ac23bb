"""Trigram indexes for the message history's search (icontains on order, partner and error) on
PostgreSQL: without them every search reads the whole message table. SQLite has no equivalent and
needs none at the sizes it is meant for, so there this migration does nothing."""

from django.db import migrations

COLUMNS = {
    "exchange_inboxmessage": ["document_key", "partner", "error"],
    "exchange_outboxmessage": ["document_key", "partner", "last_error", "blocked_reason"],
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension: the database's owner may create it (PostgreSQL 13+).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in COLUMNS.items():
        for column in columns:
            # UPPER(...) because Django's icontains compares UPPER(column) LIKE UPPER(%s).
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_body_retention")]

    operations = [migrations.RunPython(create, drop)]
