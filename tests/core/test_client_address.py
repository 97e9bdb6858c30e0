"""The client's address behind the shipped nginx: the entry it appended to X-Forwarded-For,
never one the client wrote itself."""

import pytest
from django.test import RequestFactory

from literacy.core.client_address import client_ip


def request_with(remote_addr="", forwarded=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize("forwarded, expected", [
    ("198.51.100.7", "198.51.100.7"),                     # nginx appended the client's address
    ("10.9.9.9, 198.51.100.7", "198.51.100.7"),           # the client wrote one of its own first
    ("not-an-address, 2001:db8::1", "2001:db8::1"),
    ("198.51.100.7, junk", None),                         # the proxy's own entry is unreadable
    ("", None),                                           # nothing appended: a misconfigured proxy
    (None, None),
])
def test_behind_one_proxy_the_last_entry_is_the_clients(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    # Through a unix socket gunicorn has no REMOTE_ADDR at all.
    assert client_ip(request_with("", forwarded)) == expected


def test_without_a_proxy_the_connection_is_the_client_and_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_with("192.0.2.5", "10.0.0.1")) == "192.0.2.5"
    assert client_ip(request_with("")) is None


def test_two_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_with("", "6.6.6.6, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
