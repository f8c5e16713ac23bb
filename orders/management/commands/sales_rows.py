"""Give sales orders recorded before orders had line and batch rows their rows (once, after the
upgrade); orders that have rows are left as they are, so running it twice changes nothing."""

from django.core.management.base import BaseCommand

from orders.models import SalesOrder
from orders.sales.services import sales_rows_backfill


class Command(BaseCommand):
    help = "Make the line and batch rows of sales orders that have none, from their stored XML."

    def handle(self, *args, **options):
        made = 0
        for order in SalesOrder.objects.filter(lines__isnull=True).select_related("integration").iterator():
            made += sales_rows_backfill(order)
        self.stdout.write(f"Rows made for {made} sales order(s).")
