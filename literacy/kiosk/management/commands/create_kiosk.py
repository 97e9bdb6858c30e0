"""Register a kiosk for a venue and print its one-time activation code."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from literacy.kiosk.services import kiosk_register
from literacy.places.models import Venue


class Command(BaseCommand):
    help = "Register a kiosk for a venue and print the one-time code to enter at /kiosk/activate/."

    def add_arguments(self, parser):
        parser.add_argument("--venue", type=int, required=True, help="the venue's id")
        parser.add_argument("--name", default="", help="a name for the kiosk (default: the venue's name)")

    def handle(self, *args, venue, name, **options):
        venue_obj = Venue.objects.select_related("municipality").filter(pk=venue).first()
        if venue_obj is None:
            raise CommandError(f"No venue with id {venue}.")
        device, code = kiosk_register(venue=venue_obj, name=name, created_by=None)
        expires = timezone.localtime(device.activation_expires_at, venue_obj.municipality.zone)
        self.stdout.write(f"Kiosk #{device.pk} for {venue_obj.name}: {device.name}")
        self.stdout.write(f"Activation code: {code[:4]}-{code[4:]}")
        self.stdout.write(f"Enter it at /kiosk/activate/ on the kiosk before {expires:%Y-%m-%d %H:%M} ({expires.tzname()}).")
