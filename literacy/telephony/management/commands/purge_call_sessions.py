"""Delete voice-line call sessions older than --days (default 30): they hold callers' numbers."""

import datetime as dt

from django.core.management.base import BaseCommand

from literacy.telephony.call_sessions import call_sessions_purge


class Command(BaseCommand):
    help = "Delete voice-line call sessions not touched for --days days (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        count = call_sessions_purge(older_than=dt.timedelta(days=days), dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {count} call session(s) older than {days} days")
