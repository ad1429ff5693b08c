"""A provider delivers notifications on one channel. `send()` here does the timing, logging and
outcome; subclasses implement `address()` and `_send()`, which raises TemporaryFailure,
PermanentFailure or UnknownFailure (push/failures.py says what each means), or, sending a whole
batch at once, `_send_many()`. Whatever else a send raises is an unknown failure of that message
alone: one send never takes its batch down. `send_many()` counts every outcome for /metrics. A
provider whose channel needs the resident's consent (a subscribe-message quota) names the template
of each event in `quota_for`; the worker spends quotas in bulk after sending."""

import asyncio
import datetime as dt
import logging
import time

from prometheus_client import Counter, Histogram
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from push import failures

log = logging.getLogger(__name__)
# Attempts by outcome; technical-failure (a temporary failure that used up its retry window) is
# counted by the worker, which decides it, on top of that last attempt's temporary-failure.
OUTCOMES = Counter("govservice_push_outcomes", "Push attempts by channel and status (accepted, delivered: the inbox, "
                   "temporary-failure, permanent-failure; technical-failure: retries given up)", ["channel", "status"])
SEND_SECONDS = Histogram("govservice_push_send_seconds", "Time a channel took to take a message", ["channel"],
                         buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class TemporaryFailure(Exception):
    """Worth retrying later (5xx, timeouts, an expired token); a rate limit says `not_before` when."""

    def __init__(self, reason: str, *, not_before: dt.datetime | None = None):
        super().__init__(reason)
        self.not_before = not_before


class PermanentFailure(Exception):
    """Never retried on this channel (no quota, invalid template data, unregistered device).
    `cause`: recipient, content, config or quota (push/failures.py); `code`: the platform's own."""

    def __init__(self, reason: str, *, cause: str = "content", code: str | int | None = None):
        super().__init__(reason)
        self.cause, self.code = cause, str(code) if code is not None else reason.split(" (")[0].split(":")[0][:40]


class QuotaExhausted(PermanentFailure):
    """A daily quota of the whole channel is used up: this message and every other one until
    `until` (WeChat 45009) fail at once, without asking the platform."""

    def __init__(self, reason: str, *, until: dt.datetime, code: str | int | None = None):
        super().__init__(reason, cause="quota", code=code)
        self.until = until


class UnknownFailure(Exception):
    """An answer we cannot read: retried a few times, then given up (failures.UNKNOWN_TRIES)."""


class Provider:
    name = ""
    quota: str | None = None  # the subscribe-message template whose quota a message uses
    paused: tuple[dt.datetime, str] | None = None  # (until, why): a channel-wide quota ran out

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
        """(resident, note, delivery, reach) each -> outcome, counted per status. A batch call
        that raises, or answers for the wrong number of jobs, is an unknown failure of each job."""
        start = time.monotonic()
        try:
            outcomes = await self._send_many(jobs)
            if len(outcomes) != len(jobs):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(jobs)} messages")
        except Exception as exc:
            log.exception("push %s: the batch of %d failed", self.name, len(jobs))
            outcomes = [unknown(exc) for _ in jobs]
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
            if self.paused and self.paused[0] > dt.datetime.now(dt.UTC):
                raise PermanentFailure(self.paused[1], cause="quota", code="paused")
            to = self.address(resident, reach)
            if to is None:
                raise PermanentFailure("no-recipient", cause="recipient")
            message_id = await self._send(to, resident, note, delivery)
        except TemporaryFailure as exc:
            log.warning("push %s temporary-failure: %s", self.name, exc, extra=extra)
            return {"status": "temporary-failure", "reason": str(exc), "ms": _ms(start),
                    **({"not_before": exc.not_before} if exc.not_before else {})}
        except PermanentFailure as exc:
            if isinstance(exc, QuotaExhausted):
                self.paused = (exc.until, f"paused until {exc.until:%Y-%m-%d %H:%M} UTC: {exc}")
            failures.refused(self.name, exc.cause, exc.code, str(exc))
            return {"status": "permanent-failure", "reason": str(exc), "ms": _ms(start)}
        except Exception as exc:  # UnknownFailure, or anything unexpected: this message alone
            if not isinstance(exc, UnknownFailure):
                log.exception("push %s: unexpected error", self.name, extra=extra)
            return {**unknown(exc), "ms": _ms(start)}
        log.info("push %s accepted (%s)", self.name, message_id, extra=extra)
        # accepted, not delivered: only the platform's receipt says it arrived (models/receipts.py)
        return {"status": "accepted", "message_id": str(message_id) if message_id else None, "ms": _ms(start)}

    async def _send(self, to, resident: dict, note: dict, delivery: dict) -> str | None:
        """Send one message; returns the platform's message id (None: the platform names none)."""
        raise NotImplementedError


# our own stores or the network failing: worth retrying for the whole window
TRANSIENT = (OSError, TimeoutError, PyMongoError, RedisError)


def unknown(exc: BaseException) -> dict:
    """The outcome of an unexpected error: temporary when it is our stores' or the network's, else
    an unknown failure, with a reason the worker counts its tries by."""
    if isinstance(exc, TRANSIENT):
        return {"status": "temporary-failure", "reason": type(exc).__name__}
    detail = str(exc) if isinstance(exc, UnknownFailure) else type(exc).__name__
    return {"status": "temporary-failure", "reason": failures.UNKNOWN_PREFIX + detail, "unknown": True}


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def channel_address(resident: dict, channel: str) -> str | None:
    """The resident's address on a login channel (WeChat: the mini-program openid)."""
    for linked in resident.get("channels", ()):
        if linked["channel"] == channel:
            return linked.get("address") or linked["subject"]
    return None
