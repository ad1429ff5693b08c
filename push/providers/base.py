"""A provider delivers one notification on one channel. `send()` here does the timing, logging
and outcome; subclasses implement `recipient()` (None: this resident cannot be reached here)
and `_send()`, which raises TemporaryFailure or PermanentFailure."""

import logging
import time

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Worth retrying later (5xx, timeouts, an expired token)."""


class PermanentFailure(Exception):
    """Never retried on this channel (no quota, invalid template data, unregistered device)."""


class Provider:
    name = ""

    async def recipient(self, resident: dict, note: dict):
        """Where this resident gets `note` on this channel, or None."""
        raise NotImplementedError

    async def send(self, resident: dict, note: dict) -> dict:
        start = time.monotonic()
        extra = {"event_id": note["_id"], "provider": self.name}
        try:
            to = await self.recipient(resident, note)
            if to is None:
                raise PermanentFailure("no-recipient")
            receipt = await self._send(to, resident, note)
        except (TemporaryFailure, PermanentFailure) as exc:
            outcome = "temporary-failure" if isinstance(exc, TemporaryFailure) else "permanent-failure"
            log.warning("push %s %s: %s", self.name, outcome, exc, extra=extra)
            return {"status": outcome, "reason": str(exc), "ms": _ms(start)}
        log.info("push %s delivered", self.name, extra=extra)
        return {"status": "delivered", "receipt": receipt, "ms": _ms(start)}

    async def _send(self, to, resident: dict, note: dict):
        raise NotImplementedError


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def channel_address(resident: dict, channel: str) -> str | None:
    """The resident's address on a login channel (WeChat: the mini-program openid)."""
    for linked in resident.get("channels", ()):
        if linked["channel"] == channel:
            return linked.get("address") or linked["subject"]
    return None
