"""Phone numbers: parse (default region JP), normalise to E.164, tell mobile from landline.

Japan's mobiles are 070/080/090 (and 020 for data); only they can receive SMS. About eight in
ten senior households keep a landline, which gets voice calls instead.
"""

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from literacy.core.errors import InvalidPhoneNumber

MOBILE = "mobile"
LANDLINE = "landline"
OTHER = "other"


@dataclass(frozen=True)
class ParsedPhone:
    e164: str
    kind: str  # MOBILE, LANDLINE or OTHER

    @property
    def can_receive_sms(self) -> bool:
        return self.kind == MOBILE

    @property
    def national(self) -> str:
        number = phonenumbers.parse(self.e164)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# A booking checks the number it was given before it looks at the time, and again as it finds
# the learner: parsing is pure, so the second look is free. (Refusals raise and are not kept.)
@functools.lru_cache(maxsize=1024)
def parse_phone(raw: str, *, region: str = "JP") -> ParsedPhone:
    """Parse what a person typed or said; refuse anything that cannot be dialled."""
    text = (raw or "").strip()
    # Full-width digits and hyphens are common in Japanese input.
    text = text.translate(str.maketrans("０１２３４５６７８９－ー―（）＋", "0123456789---()+"))
    if not text or len(text) > 32:
        raise InvalidPhoneNumber()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber() from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber()
    number_type = phonenumbers.number_type(number)
    if number_type in (PhoneNumberType.MOBILE,):
        kind = MOBILE
    elif number_type in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        kind = LANDLINE
    else:
        kind = OTHER
    if number_type in (PhoneNumberType.PREMIUM_RATE, PhoneNumberType.UNKNOWN):
        raise InvalidPhoneNumber()
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind=kind
    )
