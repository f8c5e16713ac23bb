"""Re-encrypt every stored secret with the newest key in FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from mappings.crypto import rotate
from mappings.models import Integration

COLUMNS = ("password", "client_secret", "webhook_secret")


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the newest FIELD_ENCRYPTION_KEYS key (then the old key can go)."

    def handle(self, *args, **options):
        table = Integration._meta.db_table
        count = 0
        with transaction.atomic():
            for column in COLUMNS:
                # Work on the stored tokens directly: the model field would decrypt them.
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} <> ''")
                    rows = cursor.fetchall()
                for pk, token in rows:
                    with connection.cursor() as cursor:
                        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [rotate(token), pk])
                    count += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} secrets with the newest key."))
