"""Print every status table: which status may become which (README, "Statuses"; the exchange
engine's messages and sync runs, README "Integrations and the exchange engine")."""

from django.core.management.base import BaseCommand
from django.utils import translation

from exchange import transitions as exchange_tables
from orders import transitions as order_tables
from shipments import transitions as shipment_tables

MODULES = (order_tables, shipment_tables)


def markdown_tables() -> str:
    """The orders' and shipments' tables as the README shows them."""
    return "\n\n".join(markdown(table) for module in MODULES for table in module.TABLES)


def markdown(table) -> str:
    rows = [f"**{table.name.capitalize()}** (`{table.field}`)", "", "| status | may become |", "|---|---|"]
    for status, targets in table.rows():
        start = "*starts here* · " if status in table.initial else ""
        after = ", ".join(table.label(t) for t in targets) if targets else "— (final)"
        rows.append(f"| {table.label(status)} | {start}{after} |")
    return "\n".join(rows)


class Command(BaseCommand):
    help = "Print the allowed status transitions of orders, lines, confirmations, shipments and messages."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as Markdown tables (the README's)")

    def handle(self, *args, **options):
        with translation.override("en"):
            if options["markdown"]:
                self.stdout.write(markdown_tables() + "\n\n" + exchange_tables.markdown_table())
                return
            for module in MODULES:
                for table in module.TABLES:
                    self.stdout.write(table.as_text() + "\n\n")
            for model, frm, to, when in exchange_tables.table():
                self.stdout.write(f"{model:<14} {frm:<13} {to:<13} {when}")
