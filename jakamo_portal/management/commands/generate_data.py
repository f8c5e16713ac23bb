"""Volume data for load and scale measurements (see orders/purchase/generate.py), copied from the
sandbox's sample order and its answer as requested."""

import time

from django.core.management.base import BaseCommand, CommandError

from jakamo import ubl
from mappings.models import Environment
from orders.models import PurchaseOrder
from orders.purchase.generate import generate
from sandbox import demo
from sandbox.services import response_from_order


class Command(BaseCommand):
    help = "Add purchase orders, lines, batches, confirmations and a 90-day message history in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--lines", type=int, default=50_000, help="In all (spread evenly over the orders)")
        parser.add_argument("--messages", type=int, default=200_000, help="Inbox and outbox together")
        parser.add_argument("--prefix", default="GEN", help="Order numbers start with this")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed makes the same data")
        parser.add_argument(
            "--jakamo-environment",
            choices=[Environment.TEST, Environment.PRODUCTION],
            default="",
            help="Point the generated integration at this real Jakamo environment and enable it. Without it, it "
            "points at the local sandbox and is disabled, so a task cluster never reaches Jakamo with it.",
        )

    def handle(self, *args, orders, lines, messages, prefix, seed, jakamo_environment, **options):
        if PurchaseOrder.objects.filter(order_number__startswith=f"{prefix}-").exists():
            raise CommandError(f"Orders numbered {prefix}-… exist already; choose another --prefix.")
        started = time.perf_counter()
        made = generate(
            sample=lambda number, lines: demo.sample_order(number, lines=lines),
            confirm=lambda order: response_from_order(order, status=ubl.CONFIRMED),
            orders=orders,
            lines=lines,
            messages=messages,
            prefix=prefix,
            seed=seed,
            environment=jakamo_environment,
            progress=lambda text: self.stderr.write(f"\r{text}   ", ending=""),
        )
        self.stderr.write("")
        summary = ", ".join(f"{count:,} {what}" for what, count in made.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {time.perf_counter() - started:.0f} s."))
