"""Delivery figures for operators: per channel and per template (event type), how many were sent,
accepted, delivered, failed and why, and three rates over the finished messages:

- acceptance rate: the platform took the message (accepted or delivered);
- 到达率 by receipt: a receipt says it arrived (delivered). Alipay's template messages have no
  receipt API, so its 到达率 is null ("no receipts"), never a 100 % that only means "accepted";
- within 10 s: delivered within 10 seconds of the state change (GOV.UK Notify's figure).

`total` is computed from the same records as the channel rows, the inbox left out (our own
store, always delivered), so the dashboard's tile always agrees with its rows. Computed in Python
over the window's records, with only the fields it needs (`$percentile` would need MongoDB 7.0)."""

import collections
import datetime as dt
import math

FAILURES = ("permanent-failure", "technical-failure", "temporary-failure")
NO_RECEIPTS = frozenset({"alipay"})  # channels whose platform reports no receipts
FAST = 10.0  # seconds: GOV.UK Notify's "delivered within 10 seconds"


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(0, math.ceil(q * len(sorted_values)) - 1)  # nearest-rank
    return round(sorted_values[rank], 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(d: dict, field: str) -> float | None:
    if d.get(field) and d.get("event_at"):
        return (_aware(d[field]) - _aware(d["event_at"])).total_seconds()
    return None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _figures(docs: list[dict]) -> dict:
    by_status = collections.Counter(d["status"] for d in docs)
    failed: dict[str, dict[str, int]] = {}
    for d in docs:
        if d["status"] in FAILURES:
            reasons = failed.setdefault(d["status"], {})
            reason = (d.get("reason") or "unknown").split(" (")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
    finished = [d for d in docs if d["status"] in ("accepted", "delivered", *FAILURES)]
    receipted = [d for d in finished if d["provider"] not in NO_RECEIPTS]
    delivered = [d for d in receipted if d["status"] == "delivered"]
    taken = sorted(s * 1000 for d in finished if d["status"] in ("accepted", "delivered")
                   and (s := _seconds(d, "finished_at")) is not None)
    arrived = sorted(s * 1000 for d in delivered if (s := _seconds(d, "delivered_at") or _seconds(d, "finished_at"))
                     is not None)
    return {
        "total": len(docs),
        "sent": sum(1 for d in docs if d.get("attempts", 0) > 0),
        "sending": by_status["sending"],
        "accepted": by_status["accepted"],
        "delivered": by_status["delivered"],
        "failed": failed,
        "finished": len(finished),
        "reported": len(receipted),  # finished on channels with receipts: the 到达率's denominator
        "receipts": not docs or any(d["provider"] not in NO_RECEIPTS for d in docs),  # False: 到达率 unknowable
        "acceptance_rate": _rate(by_status["accepted"] + by_status["delivered"], len(finished)),
        "arrival_rate": _rate(len(delivered), len(receipted)),
        "within_10s": _rate(sum(1 for ms in arrived if ms <= FAST * 1000), len(receipted)),
        "latency_ms": {"p50": _percentile(taken, 0.5), "p95": _percentile(taken, 0.95)},
        "delivery_ms": {"p50": _percentile(arrived, 0.5), "p95": _percentile(arrived, 0.95)},
    }


def summarize(docs: list[dict]) -> dict:
    by_channel: dict[str, list] = collections.defaultdict(list)
    by_template: dict[tuple, list] = collections.defaultdict(list)
    for d in docs:
        by_channel[d["provider"]].append(d)
        by_template[(d["provider"], d["type"])].append(d)
    return {
        "total": _figures([d for d in docs if d["provider"] != "inbox"]),
        "channels": {name: _figures(group) for name, group in sorted(by_channel.items())},
        "templates": [{"channel": channel, "template": template, **_figures(group)}
                      for (channel, template), group in sorted(by_template.items())],
    }
