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
        self._closing = False

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
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._poll())]

    async def stop(self) -> None:
        # The flag matters: redis-py's get_message can swallow a cancellation that lands
        # together with its own read timeout, so the listener also checks it every second.
        self._closing = True
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

    async def _listen(self) -> None:
        backoff = 0.2
        while not self._closing:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(PUBSUB_CHANNEL)
                backoff = 0.2
                await self.refresh()  # catch up on anything announced while we were away
                while not self._closing:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cache invalidation listener lost Redis (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                # Bounded: closing can wait on a read that the cancellation interrupted.
                try:
                    await asyncio.wait_for(pubsub.aclose(), 1.0)
                except (Exception, asyncio.CancelledError):
                    pass

    def _on_message(self, message: dict) -> None:
        try:
            data = json.loads(message["data"])
            self._advance(str(data["name"]), int(data["version"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed cache message: %r", message.get("data"))
