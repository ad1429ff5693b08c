"""One Redis pub/sub subscription that outlives its connection (api/cache.py, api/live.py).

Pub/sub is best effort: a message published while the connection is down is lost, so each
user has its own backstop (the cache polls MongoDB, the inbox holds every live message)."""

import asyncio
import logging

log = logging.getLogger(__name__)
FIRST_RETRY, LAST_RETRY = 0.2, 5.0  # seconds between attempts to subscribe again, doubling


class Subscription:
    """Hands each message's data on `channel` to `on_message(data)`, subscribing again whenever
    the connection is lost; `on_subscribe()` runs after each subscription (to catch up)."""

    def __init__(self, redis, channel: str, on_message, on_subscribe=None):
        self.redis, self.channel = redis, channel
        self._on_message, self._on_subscribe = on_message, on_subscribe
        self._task: asyncio.Task | None = None
        self._closing = False
        self.subscribed = 0  # subscriptions made so far: the first, then one per reconnect

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        # The flag matters: redis-py's get_message can swallow a cancellation that lands
        # together with its own read timeout, so the loop also checks it every second.
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=3)
            self._task = None

    async def _run(self) -> None:
        delay = FIRST_RETRY
        while not self._closing:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                delay = FIRST_RETRY
                self.subscribed += 1
                await self._caught_up()
                while not self._closing:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message["type"] in ("message", "pmessage"):
                        self._deliver(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("subscription to %s lost (%s); again in %.1f s", self.channel, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LAST_RETRY)
            finally:
                # Bounded: closing can wait on a read that the cancellation interrupted.
                try:
                    await asyncio.wait_for(pubsub.aclose(), 1.0)
                except (Exception, asyncio.CancelledError):
                    pass

    async def _caught_up(self) -> None:
        if self._on_subscribe is not None:
            try:
                await self._on_subscribe()
            except Exception:  # the user's backstop catches up later; the subscription stays
                log.warning("catching up after subscribing to %s failed", self.channel, exc_info=True)

    def _deliver(self, data) -> None:
        try:
            self._on_message(data)
        except Exception:  # one bad message must not cost the connection
            log.exception("handling a message of %s failed", self.channel)
