from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from exchange.retention import remove_old_bodies


class Command(BaseCommand):
    help = (
        "Remove the raw bodies of processed and sent messages older than RETENTION_DAYS, keeping each "
        "row's metadata, size and SHA-256. Unprocessed, failed, blocked or unsent messages are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"default: {settings.RETENTION_DAYS}")
        parser.add_argument("--dry-run", action="store_true", help="count only")

    def handle(self, *args, days=None, dry_run=False, **options):
        try:
            result = remove_old_bodies(days, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            f"{verb} the bodies of {result.inbox} incoming and {result.outbox} outgoing messages older than "
            f"{result.cutoff:%Y-%m-%d %H:%M} ({result.bytes_freed:,} bytes)."
        )
