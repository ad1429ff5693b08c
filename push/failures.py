"""What a failed send means, and who hears of it.

Every failure is one of three kinds (push/providers/base.py raises them):
* temporary: retried with backoff (push/retry.py), not before a rate limit's reset;
* permanent: never retried on this channel; the next channel is tried. Its `cause` says whose
  move it is: `recipient` (this person cannot be reached here: no subscription, a bad number, an
  unregistered device) needs nobody; `content` (our template data or page), `config` (our
  credentials, template or sign), `quota` (balance, a daily quota) and `unknown` need an operator;
* unknown: an unexpected error or reply. Retried `UNKNOWN_TRIES` times in all, then permanent.
  (An unexpected error from our own stores or the network is temporary.)

Operators hear of each permanent refusal once: `govservice_push_refusals_total{channel, cause,
code}` counts every one (the PushChannelRefusing alert in deploy/alerts.yml watches it) and the
first of each (channel, code) in a process is logged at ERROR; later ones at INFO.
"""

import datetime as dt
import logging

from prometheus_client import Counter

from models.clock import BEIJING

log = logging.getLogger(__name__)
UNKNOWN_TRIES = 3  # attempts of a send that keeps failing in an unexpected way, before giving up
UNKNOWN_PREFIX = "unknown: "  # the reason of an unknown failure: its attempts are counted by it
OPERATOR_CAUSES = frozenset({"content", "config", "quota", "unknown"})

REFUSALS = Counter("govservice_push_refusals", "Messages a channel refused for good, by cause (recipient, content, "
                   "config, quota, unknown) and the platform's code", ["channel", "cause", "code"])
_told: set[tuple[str, str]] = set()


def refused(channel: str, cause: str, code: str, reason: str) -> None:
    """Count one permanent refusal; the first of its kind in this process is an ERROR line."""
    REFUSALS.labels(channel, cause, code).inc()
    if cause in OPERATOR_CAUSES and (channel, code) not in _told:
        _told.add((channel, code))
        log.error("push %s refuses messages (%s, %s): %s; an operator must act (logged once per process)",
                  channel, cause, code, reason)
    else:
        log.info("push %s refused a message (%s, %s): %s", channel, cause, code, reason)


def unknown_tries(delivery: dict) -> int:
    """Attempts of this delivery that already failed in an unknown way."""
    return sum(1 for h in delivery.get("history", ()) if str(h.get("reason") or "").startswith(UNKNOWN_PREFIX))


def beijing_midnight(now: dt.datetime | None = None) -> dt.datetime:
    """When WeChat's and Aliyun's daily quotas start again (midnight, Beijing time), in UTC."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(BEIJING)
    return (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def after(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
