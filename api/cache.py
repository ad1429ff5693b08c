"""In-process cache of published data, keyed by published version.

Each process keeps the versions it knows (`menu:<channel>`, `catalog`). A publish announces
the new version on a Redis pub/sub channel so every process drops its stale copy at once; a
poll of MongoDB every few seconds is the backstop for missed messages (Redis down,
reconnects). Reads never touch Redis, so an unreachable Redis keeps the last published
version being served.
"""

import asyncio
import json
import logging

from api.pubsub import Subscription

log = logging.getLogger(__name__)
PUBSUB_CHANNEL = "govservice:published"


class PublishedCache:
    def __init__(self, redis, load_versions, poll_seconds: float = 5.0):
        self.redis = redis
        self._load_versions = load_versions  # async () -> {"menu:wechat": 3, "catalog": 17, ...}
        self._poll_seconds = poll_seconds
        self.versions: dict[str, int] = {}
        self._store: dict = {}
        self._tasks: list[asyncio.Task] = []
        self.subscription = Subscription(redis, PUBSUB_CHANNEL, self._on_message, on_subscribe=self.refresh)

    # ---- reads -------------------------------------------------------------------------------
    def peek(self, key, depends_on: tuple[str, ...]):
        """The cached value if it is current, else None (the hot path: no await)."""
        hit = self._store.get(key)
        if hit is not None and hit[0] == tuple(self.versions.get(name, 0) for name in depends_on):
            return hit[1]
        return None

    async def get(self, key, depends_on: tuple[str, ...], build):
        """The value for `key` built at the current versions of `depends_on`."""
        stamp = tuple(self.versions.get(name, 0) for name in depends_on)
        hit = self._store.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        try:
            value = await build()
        except Exception:
            if hit is None:
                raise
            log.warning("serving a stale cached value after a failed rebuild", exc_info=True,
                        extra={"cache_key": str(key)})
            return hit[1]
        self._store[key] = (stamp, value)
        return value

    # ---- versions ----------------------------------------------------------------------------
    def _advance(self, name: str, version: int) -> None:
        if version > self.versions.get(name, -1):
            self.versions[name] = version

    async def announce(self, name: str, version: int) -> None:
        """Called after a publish: apply locally, then tell the other processes."""
        self._advance(name, version)
        try:
            await self.redis.publish(PUBSUB_CHANNEL, json.dumps({"name": name, "version": version}))
        except Exception:
            log.warning("could not announce %s v%s; other processes will see it by polling", name, version)

    async def refresh(self) -> None:
        for name, version in (await self._load_versions()).items():
            self._advance(name, version)

    # ---- background tasks --------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.refresh()
        except Exception:
            log.warning("initial version load failed; will retry", exc_info=True)
        self.subscription.start()  # catches up (refresh) after each (re)subscription
        self._tasks = [asyncio.create_task(self._poll())]

    async def stop(self) -> None:
        await self.subscription.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=3)
        self._tasks = []

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.refresh()
            except Exception:
                log.warning("version poll failed", exc_info=True)

    def _on_message(self, raw) -> None:
        try:
            data = json.loads(raw)
            self._advance(str(data["name"]), int(data["version"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed cache message: %r", raw)
