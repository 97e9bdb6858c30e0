"""`manage.py purge_personal_data [--years N] [--dry-run]`: anonymise long-inactive learners."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from literacy.people.privacy import personal_data_purge


class Command(BaseCommand):
    help = (
        "長く利用のない受講者の個人情報を匿名化します（予約・レッスンの件数は統計に残ります）。"
        " Anonymise learners inactive for N years; statistics keep counting them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years", type=int, default=None,
            help="この年数利用のない方を対象にします（既定: PERSONAL_DATA_RETENTION_YEARS）。",
        )
        parser.add_argument("--dry-run", action="store_true", help="対象の人数を表示するだけで変更しません。")

    def handle(self, *args, years=None, dry_run=False, **options):
        years = settings.PERSONAL_DATA_RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1")
        report = personal_data_purge(years=years, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"dry run: {len(report.learner_ids)} learner(s) inactive for {years} years would be anonymised")
        else:
            self.stdout.write(f"anonymised {report.anonymised} learner(s) inactive for {years} years")
