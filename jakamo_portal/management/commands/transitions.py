"""Print every status table: which status may become which (README, "Statuses")."""

from django.core.management.base import BaseCommand
from django.utils import translation

from orders import transitions as order_tables
from shipments import transitions as shipment_tables

MODULES = (order_tables, shipment_tables)


def markdown(table) -> str:
    rows = [f"**{table.name.capitalize()}** (`{table.field}`)", "", "| status | may become |", "|---|---|"]
    for status, targets in table.rows():
        start = "*starts here* · " if status in table.initial else ""
        after = ", ".join(table.label(t) for t in targets) if targets else "— (final)"
        rows.append(f"| {table.label(status)} | {start}{after} |")
    return "\n".join(rows)


class Command(BaseCommand):
    help = "Print the allowed status transitions of orders, lines, confirmations and shipments."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as Markdown tables (the README's)")

    def handle(self, *args, markdown_out=False, **options):
        with translation.override("en"):
            for module in MODULES:
                for table in module.TABLES:
                    self.stdout.write((markdown(table) if options["markdown"] else table.as_text()) + "\n\n")
