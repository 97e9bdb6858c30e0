"""Text the service stores for people to read later — a case's detail, its outcome — is written
in the program's language (LANGUAGE_CODE), not in the language of whichever request wrote it: a
kiosk visitor who chose English must not turn the coordinators' queue English."""

from django.conf import settings
from django.utils import translation


def in_program_language() -> translation.override:
    """`with in_program_language(): detail = gettext(...)`"""
    return translation.override(settings.LANGUAGE_CODE)
