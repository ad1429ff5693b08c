"""A provider delivers notifications on one channel. `send()` here does the timing, logging and
outcome; subclasses implement `address()` and `_send()`, which raises TemporaryFailure or
PermanentFailure (or, sending a whole batch at once, `_send_many()`). `send_many()` counts every
outcome for /metrics. A provider whose channel needs the resident's consent (a subscribe-message
quota) names the template of each event in `quota_for`; the worker spends quotas in bulk after
sending."""

import asyncio
import logging
import time

from prometheus_client import Counter, Histogram

log = logging.getLogger(__name__)
# Attempts by outcome; technical-failure (a temporary failure that used up its retry window) is
# counted by the worker, which decides it, on top of that last attempt's temporary-failure.
OUTCOMES = Counter("govservice_push_outcomes", "Push attempts by channel and status (delivered, temporary-failure, "
                   "permanent-failure; technical-failure: retries given up)", ["channel", "status"])
SEND_SECONDS = Histogram("govservice_push_send_seconds", "Time a channel took to take a message", ["channel"],
                         buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class TemporaryFailure(Exception):
    """Worth retrying later (5xx, timeouts, an expired token)."""


class PermanentFailure(Exception):
    """Never retried on this channel (no quota, invalid template data, unregistered device)."""


class Provider:
    name = ""
    quota: str | None = None  # the subscribe-message template whose quota a message uses

    def address(self, resident: dict, reach):
        """Where this resident is reached on this channel (openid, device ids, phone…), or None."""
        raise NotImplementedError

    def quota_for(self, note: dict) -> str | None:
        """The template whose quota a message of this event uses (None: no quota needed)."""
        return self.quota

    def eligible(self, resident: dict, reach, event: dict) -> bool:
        """Whether to plan this channel for one more message (takes a quota unit in `reach`)."""
        if self.address(resident, reach) is None:
            return False
        quota = self.quota_for(event)
        return quota is None or reach.take(str(resident["_id"]), self.name, quota)

    async def refresh(self) -> None:
        """Before a batch: read what may have changed since the last one (message templates)."""

    async def prepare(self) -> dict:
        """Fields a new delivery record carries for this channel (e.g. JPush's cid)."""
        return {}

    async def send_many(self, jobs: list[tuple[dict, dict, dict, object]]) -> list[dict]:
        """(resident, note, delivery, reach) each -> outcome, counted per status."""
        start = time.monotonic()
        outcomes = await self._send_many(jobs)
        batch_ms = _ms(start)
        for outcome in outcomes:
            OUTCOMES.labels(self.name, outcome["status"]).inc()
            SEND_SECONDS.labels(self.name).observe(outcome.get("ms", batch_ms) / 1000)
        return outcomes

    async def _send_many(self, jobs) -> list[dict]:
        """Concurrent sends by default; a channel with a batch call overrides this."""
        return list(await asyncio.gather(*(self.send(*job) for job in jobs)))

    async def send(self, resident: dict, note: dict, delivery: dict, reach) -> dict:
        start = time.monotonic()
        extra = {"event_id": note["_id"], "provider": self.name}
        try:
            to = self.address(resident, reach)
            if to is None:
                raise PermanentFailure("no-recipient")
            receipt = await self._send(to, resident, note, delivery)
        except (TemporaryFailure, PermanentFailure) as exc:
            outcome = "temporary-failure" if isinstance(exc, TemporaryFailure) else "permanent-failure"
            log.warning("push %s %s: %s", self.name, outcome, exc, extra=extra)
            return {"status": outcome, "reason": str(exc), "ms": _ms(start)}
        log.info("push %s delivered (%s)", self.name, receipt, extra=extra)
        return {"status": "delivered", "receipt": receipt, "ms": _ms(start)}

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        raise NotImplementedError


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def channel_address(resident: dict, channel: str) -> str | None:
    """The resident's address on a login channel (WeChat: the mini-program openid)."""
    for linked in resident.get("channels", ()):
        if linked["channel"] == channel:
            return linked.get("address") or linked["subject"]
    return None
