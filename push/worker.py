"""The push worker: reads the event stream through a consumer group and hands each event to
the providers. `python -m push.worker` runs one; the demo server runs one in-process.

A worker that dies mid-batch leaves its entries pending; any other worker reclaims entries
idle longer than `claim_idle_ms` (XAUTOCLAIM) and finishes them. Each (event, provider) pair
is claimed in MongoDB first, so a reclaimed or re-relayed event is delivered once.
"""

import asyncio
import logging
import os
import socket

from redis.exceptions import ResponseError

from models import deliveries
from push.relay import STREAM, relay_once
from push.templates import render

log = logging.getLogger(__name__)
GROUP = "push-workers"


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Worker:
    def __init__(self, db, redis, providers, *, name: str | None = None, claim_idle_ms: int = 30_000, batch: int = 50):
        self.db, self.redis, self.providers = db, redis, providers
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_idle_ms, self.batch = claim_idle_ms, batch

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run_once(self, block_ms: int | None = None) -> int:
        """Handle one batch: reclaimed entries of dead workers first, else new ones. Returns the count."""
        _, entries, *_ = await self.redis.xautoclaim(STREAM, GROUP, self.name, min_idle_time=self.claim_idle_ms,
                                                     start_id="0-0", count=self.batch)
        if not entries:
            reply = await self.redis.xreadgroup(GROUP, self.name, {STREAM: ">"}, count=self.batch, block=block_ms)
            entries = reply[0][1] if reply else []
        for entry_id, fields in entries:
            if fields:  # a trimmed entry comes back empty
                await self.handle({_text(k): _text(v) for k, v in fields.items()})
            await self.redis.xack(STREAM, GROUP, entry_id)
        return len(entries)

    async def handle(self, event: dict) -> None:
        title, body = render(event)
        message = {**event, "title": title, "body": body}
        for provider in self.providers:
            if await deliveries.begin(self.db, event, provider.name):
                await deliveries.finish(self.db, event, provider.name, await provider.send(message))


async def run(db, redis, worker: Worker, stop: asyncio.Event, *, relay_every: float = 0.5) -> None:
    """Relay the outbox and work the stream until `stop` is set; errors are logged and retried."""
    await worker.ensure_group()
    while not stop.is_set():
        try:
            relayed = await relay_once(db, redis)
            handled = await worker.run_once()  # non-blocking: a blocked read would delay shutdown
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("push loop failed; retrying in 1 s")
            relayed = handled = 0
        if not (relayed or handled):
            try:
                await asyncio.wait_for(stop.wait(), relay_every)
            except TimeoutError:
                pass


def main() -> int:
    """`python -m push.worker`: one worker (and outbox relay) against MONGODB_URI and REDIS_URL."""
    from api.app import build_deps
    from api.config import Settings
    from push.providers.inbox import InboxProvider

    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not (settings.mongodb_uri and settings.redis_url):
        log.error("a separate worker needs MONGODB_URI and REDIS_URL (the demo server runs its own)")
        return 2

    async def serve() -> None:
        deps = build_deps(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(deps.db, deps.redis, Worker(deps.db, deps.redis, [InboxProvider(deps.db)]), stop)
        await deps.close()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
