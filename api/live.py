"""Live messages over WebSocket: one Redis subscription per process fans new inbox messages out
to the sockets of their owner open in this process. Push workers publish; any process with the
resident's socket delivers. Best effort: the inbox already holds every message."""

import asyncio
import json
import logging

from push.providers.inbox import LIVE_CHANNEL

log = logging.getLogger(__name__)


class LiveHub:
    def __init__(self, redis):
        self.redis = redis
        self.sockets: dict[str, set] = {}
        self._task: asyncio.Task | None = None

    def add(self, owner: str, socket) -> None:
        self.sockets.setdefault(owner, set()).add(socket)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen())

    def remove(self, owner: str, socket) -> None:
        group = self.sockets.get(owner)
        if group is not None:
            group.discard(socket)
            if not group:
                del self.sockets[owner]

    async def _listen(self) -> None:
        delay = 0.5
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(LIVE_CHANNEL)
                delay = 0.5
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        self.dispatch(item["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("live subscription lost (%s); again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:
                    pass

    def dispatch(self, raw) -> None:
        """`raw`: a JSON list of {"owner", "message"} (one publish per push batch)."""
        try:
            batch = [(item["owner"], item["message"]) for item in json.loads(raw)]
        except (ValueError, KeyError, TypeError):
            log.warning("live message not understood; dropped")
            return
        for owner, message in batch:
            for socket in list(self.sockets.get(owner, ())):
                socket.deliver(message)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
