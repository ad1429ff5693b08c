"""Delivery figures for operators: per channel and per template (event type), how many were sent,
delivered, failed and why, the 到达率, and the latency from the state change to the provider's
acknowledgement. Computed in Python over the window's records, with only the fields it needs
(`$percentile` would need MongoDB 7.0 or newer)."""

import collections
import math

FAILURES = ("permanent-failure", "technical-failure", "temporary-failure")


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(0, math.ceil(q * len(sorted_values)) - 1)  # nearest-rank
    return round(sorted_values[rank], 1)


def _figures(docs: list[dict]) -> dict:
    by_status = collections.Counter(d["status"] for d in docs)
    failed: dict[str, dict[str, int]] = {}
    for d in docs:
        if d["status"] in FAILURES:
            reasons = failed.setdefault(d["status"], {})
            reason = (d.get("reason") or "unknown").split(" (")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
    latencies = sorted((d["finished_at"] - d["event_at"]).total_seconds() * 1000 for d in docs
                       if d["status"] == "delivered" and d.get("finished_at") and d.get("event_at"))
    finished = sum(by_status[s] for s in ("delivered", *FAILURES))
    return {
        "total": len(docs),
        "sent": sum(1 for d in docs if d.get("attempts", 0) > 0),
        "delivered": by_status["delivered"],
        "sending": by_status["sending"],
        "failed": failed,
        "arrival_rate": round(by_status["delivered"] / finished, 4) if finished else None,
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
    }


def summarize(docs: list[dict]) -> dict:
    by_channel: dict[str, list] = collections.defaultdict(list)
    by_template: dict[tuple, list] = collections.defaultdict(list)
    events: dict[str, set] = {}
    for d in docs:
        by_channel[d["provider"]].append(d)
        by_template[(d["provider"], d["type"])].append(d)
        reached_by = events.setdefault(d["event_id"], set())
        if d["status"] == "delivered" and d["provider"] != "inbox":
            reached_by.add(d["provider"])
    reached = sum(1 for channels in events.values() if channels)
    return {
        "events": {"total": len(events), "reached_outside_inbox": reached,
                   "rate": round(reached / len(events), 4) if events else None},
        "channels": {name: _figures(group) for name, group in sorted(by_channel.items())},
        "templates": [{"channel": channel, "template": template, **_figures(group)}
                      for (channel, template), group in sorted(by_template.items())],
    }
