"""Volume data for load and scale measurements (see jakamo_portal/generate.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from jakamo_portal.generate import generate
from orders.models import PurchaseOrder


class Command(BaseCommand):
    help = "Add purchase orders, lines, batches, confirmations and a 90-day message history in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--lines", type=int, default=50_000, help="In all (spread evenly over the orders)")
        parser.add_argument("--messages", type=int, default=200_000, help="Inbox and outbox together")
        parser.add_argument("--prefix", default="GEN", help="Order numbers start with this")

    def handle(self, *args, orders, lines, messages, prefix, **options):
        if PurchaseOrder.objects.filter(order_number__startswith=f"{prefix}-").exists():
            raise CommandError(f"Orders numbered {prefix}-… exist already; choose another --prefix.")
        started = time.perf_counter()
        made = generate(
            orders=orders,
            lines=lines,
            messages=messages,
            prefix=prefix,
            progress=lambda text: self.stderr.write(f"\r{text}   ", ending=""),
        )
        self.stderr.write("")
        summary = ", ".join(f"{count:,} {what}" for what, count in made.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {time.perf_counter() - started:.0f} s."))
