"""python manage.py create_coordinator --email … --municipality <JIS code>: the first (or next) coordinator."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from literacy.operations.services import coordinator_create, municipality_create
from literacy.places.models import Municipality

PASSWORD_VARIABLE = "COORDINATOR_PASSWORD"


class Command(BaseCommand):
    help = "Create a coordinator for a municipality (and the municipality itself with --municipality-name)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--municipality", required=True, help="JIS code, e.g. 402109")
        parser.add_argument("--municipality-name", help="create the municipality with this name if it does not exist")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--password-from-env", nargs="?", const=PASSWORD_VARIABLE, metavar="VARIABLE",
                            help=f"read the password from this environment variable (default {PASSWORD_VARIABLE}) "
                                 "instead of prompting")

    def handle(self, *args, email, municipality, municipality_name, name, password_from_env, **options):
        city = Municipality.objects.filter(jis_code=municipality).first()
        if city is None:
            if not municipality_name:
                raise CommandError(f"No municipality with JIS code {municipality}. "
                                   "Add --municipality-name <name> to create it.")
            try:
                city = municipality_create(jis_code=municipality, name=municipality_name)
            except ValidationError as error:
                raise CommandError(f"Cannot create the municipality: {'; '.join(error.messages)}") from error
            self.stdout.write(f"Created municipality {city.jis_code} {city.name}.")
        password = self._password(password_from_env)
        try:
            user, created = coordinator_create(email=email, municipality=city, password=password, display_name=name)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} coordinator {user.email} for {city.name} ({city.jis_code}). "
            "At first sign-in they will be asked to set up two-factor authentication."))

    def _password(self, variable: str | None) -> str:
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"The environment variable {variable} is empty.")
            return password
        if not self.stdin_is_interactive():
            raise CommandError("No terminal to ask for a password: use --password-from-env.")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password

    @staticmethod
    def stdin_is_interactive() -> bool:
        import sys

        return sys.stdin.isatty()
