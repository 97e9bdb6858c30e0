"""Races with real threads: each runs with its own database connection, all released at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_together(count: int, action: Callable[[int], Any], *, timeout: float = 120.0) -> list[Any]:
    """Run action(0) … action(count - 1) in `count` threads released at the same moment and
    return what each returned. Each thread closes its own connections when it ends, so none is
    left open for the test database's teardown."""
    start_line = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(n: int) -> None:
        try:
            start_line.wait()
            results[n] = action(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
