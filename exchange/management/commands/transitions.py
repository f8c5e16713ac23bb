from django.core.management.base import BaseCommand

from exchange import transitions


class Command(BaseCommand):
    help = (
        "Print the allowed status moves of inbox messages, outbox messages and sync runs "
        "(exchange/transitions.py); “—” marks the statuses a row is created in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as a Markdown table (the README's)")

    def handle(self, *args, **options):
        if options["markdown"]:
            self.stdout.write(transitions.markdown_table())
            return
        for model, frm, to, when in transitions.table():
            self.stdout.write(f"{model:<14} {frm:<13} {to:<13} {when}")
