"""Create an ERP client that may POST orders to /orders/erp/orders/; prints its token once."""

from django.core.management.base import BaseCommand, CommandError

from mappings.models import Integration, Kind
from orders.purchase.intake import erp_client_create


class Command(BaseCommand):
    help = "Create an ERP client for a Purchase Order integration and print its bearer token (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--integration", required=True, help="The Purchase Order integration's name")

    def handle(self, *args, name, integration, **options):
        target = Integration.objects.filter(name=integration, kind=Kind.PURCHASE_ORDER).first()
        if target is None:
            raise CommandError(f"No Purchase Order integration named “{integration}”.")
        client, token = erp_client_create(name=name, integration=target)
        self.stdout.write(f"ERP client {client.name} created. Its token (shown only now): {token}")
