"""Template filters for the phone desk: numbers written the way staff read them aloud."""

from django import template

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone

register = template.Library()


@register.filter
def national_phone(e164: str) -> str:
    """'+819012345678' -> '090-1234-5678'; anything unparsable is shown as stored."""
    if not e164:
        return ""
    try:
        return parse_phone(e164).national
    except InvalidPhoneNumber:
        return e164
