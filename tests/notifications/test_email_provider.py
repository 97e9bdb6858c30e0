"""Email through SMTP: a server that accepts the connection and then says nothing is given up on
after EMAIL_TIMEOUT and retried later, instead of holding the worker (and the texts and calls
queued behind the email) for good."""

import socket
import threading

import pytest

from literacy.notifications.models import Message
from literacy.notifications.providers import TransientSendError
from literacy.notifications.providers.email import send_email


@pytest.fixture
def silent_smtp_server():
    """Accepts connections and never greets: a stalled mail server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_the_production_default_is_a_timeout(settings):
    assert settings.EMAIL_TIMEOUT == 20


def test_a_stalled_mail_server_is_a_transient_failure_not_a_hang(settings, silent_smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", silent_smtp_server, False
    settings.EMAIL_TIMEOUT = 1
    message = Message(pk=1, channel="email", kind="volunteer_invite", to="vol@example.jp", subject="招待",
                      body="本文", payload={})
    with pytest.raises(TransientSendError) as refused:
        send_email(message)
    assert refused.value.code == "smtp"
