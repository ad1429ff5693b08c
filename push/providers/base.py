"""A provider delivers one message on one channel. `send()` here does the timing, logging and
outcome; subclasses implement `_send()` and raise TemporaryFailure or PermanentFailure."""

import logging
import time

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Worth retrying later (5xx, timeouts, an expired token)."""


class PermanentFailure(Exception):
    """Never retried on this channel (no quota, invalid template data, unregistered device)."""


class Provider:
    name = ""

    async def send(self, message: dict) -> dict:
        start = time.monotonic()
        try:
            receipt = await self._send(message)
        except (TemporaryFailure, PermanentFailure) as exc:
            outcome = "temporary-failure" if isinstance(exc, TemporaryFailure) else "permanent-failure"
            log.warning("push %s %s: %s", self.name, outcome, exc, extra={"event_id": message["event_id"]})
            return {"status": outcome, "reason": str(exc), "ms": round((time.monotonic() - start) * 1000, 1)}
        log.info("push %s delivered", self.name, extra={"event_id": message["event_id"]})
        return {"status": "delivered", "receipt": receipt, "ms": round((time.monotonic() - start) * 1000, 1)}

    async def _send(self, message: dict):
        raise NotImplementedError
