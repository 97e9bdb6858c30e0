"""A fake at the edge: a twilio.http.HttpClient that answers with canned responses.

The real `twilio.rest.Client` builds the request and parses the answer, so error codes and
statuses go through the library exactly as in production; nothing reaches the network.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
from dataclasses import dataclass, field

from django.utils import timezone
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+81943231111"
_sids = itertools.count(1)


@dataclass
class Seen:
    method: str
    url: str
    data: dict
    answered: int | None
    at: dt.datetime = field(default_factory=timezone.now)  # the (fake) clock's time of the request


def created(kind: str = "SM") -> tuple[int, dict]:
    return 201, {"sid": f"{kind}{next(_sids):032x}", "status": "queued", "account_sid": ACCOUNT_SID}


def error(status: int, code: int, message: str = "error") -> tuple[int, dict]:
    return status, {"code": code, "message": message, "status": status, "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class FakeTwilioHttp(HttpClient):
    def __init__(self, *answers):
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.answers = list(answers)
        self.seen: list[Seen] = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        answer = self.answers.pop(0) if self.answers else created("CA" if url.endswith("Calls.json") else "SM")
        if isinstance(answer, Exception):
            self.seen.append(Seen(method, url, dict(data or {}), None))
            raise answer
        status, body = answer
        self.seen.append(Seen(method, url, dict(data or {}), status))
        return Response(status, json.dumps(body), headers={})

    @property
    def accepted(self) -> list[Seen]:
        return [s for s in self.seen if s.answered == 201]
