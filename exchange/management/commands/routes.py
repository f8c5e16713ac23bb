from django.core.management.base import BaseCommand

from exchange import handlers


class Command(BaseCommand):
    help = (
        "Print the inbound routing table: which function applies each (document type, integration kind), "
        "as the apps declared it in their ready(), then what arrives with no route (stored as failed, with the reason)."
    )

    def handle(self, *args, **options):
        for row in handlers.routing_table():
            self.stdout.write(str(row))
        self.stdout.write("")
        self.stdout.write("No route (stored as failed, with the reason):")
        for document_type, kind in handlers.unrouted():
            self.stdout.write(f"{document_type:<26} {kind}")
