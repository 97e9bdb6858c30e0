"""The Prometheus text exposition of the outbox, the follow-up queue and the workers."""

from __future__ import annotations

import datetime as dt

from literacy.operations.selectors import followup_snapshot, heartbeats, outbox_snapshot

RECENT_WINDOW = dt.timedelta(hours=24)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    def __init__(self):
        self.lines: list[str] = []

    def metric(self, name: str, help_text: str, samples: list[tuple[dict, float]], kind: str = "gauge") -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for labels, value in samples:
            label_text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in labels.items())
            self.lines.append(f"{name}{{{label_text}}} {value:g}" if label_text else f"{name} {value:g}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def metrics_text(*, now: dt.datetime) -> str:
    outbox = outbox_snapshot(now=now, recent_window=RECENT_WINDOW)
    queue = followup_snapshot(now=now)
    out = Exposition()
    out.metric("oshieai_messages_waiting", "Outbox messages not yet sent, by state.",
               [({"state": state}, n) for state, n in outbox["waiting"].items()])
    out.metric("oshieai_messages_due", "Pending messages whose send time has come.", [({}, outbox["due"])])
    out.metric("oshieai_messages_oldest_due_seconds",
               "Age of the oldest pending message whose send time has come (0 when none): the worker's lag.",
               [({}, round(outbox["oldest_due_seconds"], 1))])
    out.metric("oshieai_messages_recent", "Messages by final state, due in the last 24 hours "
               "(failed, undelivered and expired are the ones to watch).",
               [({"state": state}, n) for state, n in outbox["recent"].items()])
    out.metric("oshieai_followups_open", "Open cases in the coordinators' queue, by kind.",
               [({"kind": kind}, n) for kind, n in queue["open"].items()])
    out.metric("oshieai_followups_oldest_open_seconds", "Age of the oldest open case (0 when none).",
               [({}, round(queue["oldest_open_seconds"], 1))])
    out.metric("oshieai_worker_heartbeat_age_seconds", "Seconds since each background worker last reported.",
               [({"worker": beat.name}, round((now - beat.beat_at).total_seconds(), 1)) for beat in heartbeats()])
    return out.text()
