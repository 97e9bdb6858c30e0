"""Several dispatchers at once, each in its own thread with its own database connection."""

import threading

from django.db import connection

from literacy.notifications.dispatcher import dispatch_due


def dispatch_from_threads(*, workers: int, batch: int) -> list[Exception]:
    """Run `workers` dispatchers until the outbox is empty; returns what any of them raised."""
    errors: list[Exception] = []

    def work(name):
        try:
            while dispatch_due(worker=name, batch=batch).claimed:
                pass
        except Exception as exc:  # returned to the test, which asserts there are none
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
