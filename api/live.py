"""Live messages over WebSocket: one Redis subscription per process fans new inbox messages out
to the sockets of their owner open in this process. Push workers publish; any process with the
resident's socket delivers. Best effort: the inbox already holds every message."""

import json
import logging

from api.pubsub import Subscription
from models.inbox import LIVE_CHANNEL

log = logging.getLogger(__name__)


class LiveHub:
    def __init__(self, redis):
        self.redis = redis
        self.sockets: dict[str, set] = {}
        self.subscription = Subscription(redis, LIVE_CHANNEL, self.dispatch)

    def add(self, owner: str, socket) -> None:
        self.sockets.setdefault(owner, set()).add(socket)
        self.subscription.start()  # from the first socket on

    def remove(self, owner: str, socket) -> None:
        group = self.sockets.get(owner)
        if group is not None:
            group.discard(socket)
            if not group:
                del self.sockets[owner]

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
        await self.subscription.stop()
