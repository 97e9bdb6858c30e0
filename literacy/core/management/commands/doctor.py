"""python manage.py doctor: what is wrong with this installation, in plain words, and how to fix it."""

from django.core.management.base import BaseCommand, CommandError

from literacy.core.doctor import ERROR, OK, WARNING, run_checks

MARKS = {OK: "  ok  ", WARNING: " WARN ", ERROR: " FAIL "}


class Command(BaseCommand):
    help = "Check a running installation (database, broker, Twilio, email, secrets, data); exit 1 if something must be fixed."
    requires_system_checks = []  # doctor must run (and explain) even when Django's own checks fail

    def add_arguments(self, parser):
        parser.add_argument("--no-network", action="store_true", help="do not dial the broker or the mail server")

    def handle(self, *args, no_network: bool = False, **options):
        findings = run_checks(network=not no_network)
        self.stdout.write("Oshieai doctor: checking this installation\n")
        for finding in findings:
            style = {OK: self.style.SUCCESS, WARNING: self.style.WARNING, ERROR: self.style.ERROR}[finding.level]
            self.stdout.write(style(MARKS[finding.level]) + " " + finding.what)
            if finding.fix and finding.level != OK:
                self.stdout.write("        fix: " + finding.fix)
        errors = sum(f.level == ERROR for f in findings)
        warnings = sum(f.level == WARNING for f in findings)
        self.stdout.write("")
        if errors:
            raise CommandError(f"{errors} problem(s) must be fixed, {warnings} warning(s).")
        self.stdout.write(self.style.SUCCESS(f"Healthy: nothing must be fixed ({warnings} warning(s))."))
