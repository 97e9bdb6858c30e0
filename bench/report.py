"""Render docs/performance.md from the JSON of a `make bench` run."""

from __future__ import annotations


def _row(name: str, result: dict, ratio_key: str, target: str, limit: float | None) -> str:
    ratio = result.get(ratio_key)
    met = "" if limit is None or ratio is None else ("met" if ratio <= limit else "**not met**")
    return (f"| {name} | {result['p50_ms']:.1f} | {result['p95_ms']:.1f} | {ratio if ratio is not None else '—'}× "
            f"| {target} | {met} |")


def _dashboard_row(result: dict | None, scale: str) -> list[str]:
    """The coverage page (bench/dashboard.py): its target is absolute, for the prefecture scale."""
    if result is None:
        return []
    met = ("met" if result["target_met"] else "**not met**") if scale == "prefecture" else "(prefecture only)"
    return [f"| coverage page, one municipality, 12 months ({result['lessons_held_in_period']:,} lessons, "
            f"{result['queries']} queries) | {result['p50_ms']:.1f} | {result['p95_ms']:.1f} | "
            f"{result['ratio_p50_to_pk_p50']}× (p50) | {result['target']} | {met} |"]


def render(*, runs: dict, machine: str, date: str) -> str:
    lines = [
        "## make bench: every benchmark, one run",
        "",
        f"Measured by `make bench` on {date} ({machine}). Each figure is compared with a baseline taken in the",
        "same run on the same database, because these machines are noisy: the ratio is the result, the",
        "milliseconds are beside it for scale. Regenerate with `make bench`.",
        "",
    ]
    for label, run in runs.items():
        b = run["benchmarks"]
        lines += [
            f"### {label} ({run['scale']}, {run['database']})",
            "",
            f"Data generated in {run['generation_s']} s; peak memory of the benchmark process {run['peak_rss_mb']} MB.",
            "",
            "| benchmark | p50 ms | p95 ms | ratio to baseline | target | |",
            "|---|---|---|---|---|---|",
            f"| primary-key fetch (baseline) | {b['pk_fetch']['p50_ms']:.2f} | {b['pk_fetch']['p95_ms']:.2f} | 1× | | |",
            _row("bookable times, one topic at one venue, 14 days", b["bookable_times_14d"], "ratio_p95_to_pk_p95",
                 "p95 ≤ 20× PK p95", 20),
            f"| dispatcher, memory provider, {b['dispatcher']['rows']:,} messages | "
            f"{b['dispatcher']['messages_per_second']:,.0f} msg/s | | "
            f"{b['dispatcher']['ratio']:.1f}× slower than a plain update() | ≥ 500 msg/s | "
            f"{'met' if b['dispatcher']['target_met'] else '**not met**'} |",
            _row(f"matching one request over {b['matching_10k_volunteers']['volunteers']:,} volunteers",
                 b["matching_10k_volunteers"], "ratio_p50_to_pk_p50", "—", None),
            *_dashboard_row(b.get("dashboard_coverage"), run["scale"]),
            "",
        ]
        lines += _feed_http_memory_lines(b)
    return "\n".join(lines) + "\n"


def _met(flag: bool | None) -> str:
    return "" if flag is None else ("met" if flag else "**not met**")


def _api_floor_row(http: dict) -> list[str]:
    floor = http.get("api_floor")
    if not floor:
        return []
    statuses = ", ".join(f"{n} × {code}" for code, n in floor["statuses"].items())
    return [f"| the API's floor: empty bookings, each kiosk's key, refused at validation ({statuses}) | "
            f"{floor['requests_per_second']:,.1f} | {floor['p50_ms']} | {floor['p95_ms']} | {floor['ratio']:.1%} | "
            "no booking can pass it | |"]


def _feed_http_memory_lines(b: dict) -> list[str]:
    """The calendar feed, booking over HTTP and the processes' peak memory (bench/feed.py,
    bench/http_booking.py), when the run has them."""
    lines = []
    feed = b.get("calendar_feed_500")
    if feed:
        lines += [
            "| calendar feed | p50 ms | p95 ms | CPU ms | ratio to baseline | target | |",
            "|---|---|---|---|---|---|---|",
            f"| one volunteer's feed, {feed['events']} lessons, {feed['queries']} queries, {feed['kb']} kB | "
            f"{feed['p50_ms']:.1f} | {feed['p95_ms']:.1f} | {feed['cpu_ms']:.1f} | "
            f"{feed.get('ratio_p95_to_pk_p95', '—')}× | {feed['target']} | {_met(feed['target_met'])} |",
            "",
        ]
    http = b.get("http_booking")
    if http and http.get("skipped"):
        lines += [f"Booking over HTTP: {http['skipped']}.", ""]
    elif http:
        booking, healthz = http["booking"], http["healthz"]
        statuses = ", ".join(f"{n} × {code}" for code, n in booking["statuses"].items())
        failed = [name for name, check in http["checks"].items() if not check["ok"]]
        lines += [
            f"| booking over HTTP ({http['server']}, {http['clients']} clients) | requests/s | p50 ms | p95 ms "
            "| ratio | target | |",
            "|---|---|---|---|---|---|---|",
            f"| /healthz (baseline), {healthz['requests']:,} requests | {healthz['requests_per_second']:,.1f} | "
            f"{healthz['p50_ms']} | {healthz['p95_ms']} | 1× | | |",
            *_api_floor_row(http),
            f"| bookings, {booking['requests']} requests ({statuses}) | {booking['requests_per_second']:,.1f} | "
            f"{booking['p50_ms']} | {booking['p95_ms']} | {http['ratio']:.1%} | {http['target']} | "
            f"{_met(http['target_met'])} |",
            "",
            "Exactly-once checks: " + ("all passed (" + "; ".join(http["checks"]) + ")." if not failed
                                       else "**failed: " + "; ".join(failed) + "**."),
            "",
        ]
    memory = b.get("worker_memory")
    if http and not http.get("skipped") or memory:
        lines += ["| process | peak RSS (VmHWM) |", "|---|---|"]
        if http and not http.get("skipped"):
            rss = http["peak_rss_mb"]
            lines += [f"| gunicorn master | {rss['master']} MB |"]
            lines += [f"| gunicorn worker {n} (after the load) | {mb} MB |" for n, mb in enumerate(rss["workers"], 1)]
        if memory:
            lines += [f"| `manage.py run_worker`, {memory['sent']:,} of {memory['messages']:,} messages sent | "
                      f"{memory['peak_rss_mb']} MB |"]
        lines += [""]
    return lines
