"""Timing helpers: repeat a call, report p50/p95/mean in milliseconds."""

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "n": repeat,
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 3),
        "mean_ms": round(statistics.fmean(samples), 3),
    }


def ratio(value: float, baseline: float) -> float:
    return round(value / baseline, 1) if baseline else float("inf")
