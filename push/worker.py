"""The push worker: reads the event stream through a consumer group and delivers each event.
`python -m push.worker` runs one; the demo server runs one in-process.

Per event: a notification record (once per event) fixes what the resident is told and the
channels to try in order — their channel first (WeChat or Alipay with quota, the app with a
device), the others after, then SMS for important events; the inbox always. One delivery record
per (event, channel) is the dedupe key: whoever holds its lease sends, a temporary failure
schedules a retry in the record, and a final failure moves on to the next channel.

A worker that dies mid-batch leaves its stream entries pending; another reclaims entries idle
longer than `claim_idle_ms` (XAUTOCLAIM). Retries and attempts cut short by a dead worker are
found in MongoDB by `run_due()`, so nothing depends on one process staying alive.
"""

import asyncio
import dataclasses
import datetime as dt
import logging
import os
import socket

from redis.exceptions import ResponseError

from models import deliveries, notifications, residents, subscriptions
from models.errors import NotFound
from push.relay import STREAM, relay_once
from push.retry import RetryPolicy
from push.templates import render

log = logging.getLogger(__name__)
GROUP = "push-workers"
CHANNEL_ORDER = ("wechat", "alipay", "app")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclasses.dataclass
class Worker:
    db: object
    redis: object
    providers: dict  # name -> Provider; "inbox" is always used
    name: str = dataclasses.field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    claim_idle_ms: int = 30_000
    batch: int = 100
    lease: float = 60.0  # longer than any provider timeout
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)

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
        await asyncio.gather(*(self._entry(entry_id, fields) for entry_id, fields in entries))
        return len(entries)

    async def _entry(self, entry_id, fields) -> None:
        if fields:  # a trimmed entry comes back empty
            await self.handle({_text(k): _text(v) for k, v in fields.items()})
        await self.redis.xack(STREAM, GROUP, entry_id)

    async def handle(self, event: dict) -> None:
        try:
            resident = await residents.get(self.db, event["owner"])
        except NotFound:
            log.info("push: resident gone; event dropped", extra={"event_id": event["event_id"]})
            return
        title, body, phrase = render(event)
        plan = await self.plan(resident, event)
        note = await notifications.open_once(self.db, {
            "_id": event["event_id"], "type": event["type"], "owner": event["owner"], "number": event["number"],
            "item_name": event["item_name"], "channel": event["channel"], "at": _aware(event["at"]),
            "title": title, "body": body, "phrase": phrase, "plan": plan})
        await self.advance(note, resident)

    async def plan(self, resident: dict, event: dict) -> list[str]:
        """The channels to try, in order, for this resident and event (the inbox comes on top)."""
        prefs = await subscriptions.preferences(self.db, str(resident["_id"]))
        first = prefs["channel"] or event["channel"]
        order = [first, *(c for c in CHANNEL_ORDER if c != first)]
        note = {"owner": event["owner"], "type": event["type"]}
        plan = [c for c in order if c in self.providers and await self.providers[c].recipient(resident, note)]
        if "sms" in self.providers and prefs["sms"] == "important" and event["type"] in notifications.IMPORTANT:
            plan.append("sms")
        return plan

    async def advance(self, note: dict, resident: dict | None = None) -> None:
        """Work the notification: the inbox, then channels in order until one delivers."""
        resident = resident or await residents.get(self.db, note["owner"])
        await self.step(note, "inbox", resident)
        for name in note["plan"]:
            done = await self.step(note, name, resident)
            if done is None or done["status"] in ("delivered", "sending"):
                return  # delivered, or someone else holds it / a retry is scheduled

    async def step(self, note: dict, name: str, resident: dict) -> dict | None:
        existing = await deliveries.get(self.db, deliveries.key(note["_id"], name))
        if existing is not None and existing["status"] in deliveries.FINAL:
            return existing
        delivery = await deliveries.begin(self.db, note, name, None, self.lease)
        return None if delivery is None else await self.attempt(note, delivery, resident)

    async def attempt(self, note: dict, delivery: dict, resident: dict) -> dict | None:
        outcome = await self.providers[delivery["provider"]].send(resident, note)
        retry_at = None
        if outcome["status"] == "temporary-failure":
            retry_at = self.retry.next_at(delivery, deliveries.now())
        return await deliveries.record(self.db, delivery["_id"], outcome, retry_at)

    async def run_due(self, limit: int = 100) -> int:
        """Retries whose time has come, and attempts whose worker died; then the next channels."""
        ids = await deliveries.due(self.db, limit)
        await asyncio.gather(*(self._retry(delivery_id) for delivery_id in ids))
        return len(ids)

    async def _retry(self, delivery_id: str) -> None:
        delivery = await deliveries.claim(self.db, delivery_id, self.lease)
        if delivery is None:
            return  # another worker took it
        note = await notifications.get(self.db, delivery["event_id"])
        try:
            resident = await residents.get(self.db, note["owner"])
        except NotFound:
            await deliveries.record(self.db, delivery_id, {"status": "permanent-failure", "reason": "no-resident"})
            return
        done = await self.attempt(note, delivery, resident)
        if done is not None and done["status"] != "sending":
            await self.advance(note, resident)


def _aware(iso: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(iso)
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def run(db, redis, worker: Worker, stop: asyncio.Event, *, relay_every: float = 0.5,
              sweep_every: float = 60.0) -> None:
    """Relay the outbox, work the stream and the due retries until `stop` is set; errors are logged
    and retried. Every `sweep_every` seconds, deliveries stuck in `sending` for 3 days expire."""
    await worker.ensure_group()
    loop = asyncio.get_running_loop()
    next_sweep = loop.time()
    while not stop.is_set():
        try:
            if loop.time() >= next_sweep:
                await deliveries.expire_stuck(db)
                next_sweep = loop.time() + sweep_every
            busy = await relay_once(db, redis)
            busy += await worker.run_once()  # non-blocking: a blocked read would delay shutdown
            busy += await worker.run_due()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("push loop failed; retrying")
            busy = 0
        if not busy:
            try:
                await asyncio.wait_for(stop.wait(), relay_every)
            except TimeoutError:
                pass


def main() -> int:
    """`python -m push.worker`: one worker (and outbox relay) against MONGODB_URI and REDIS_URL."""
    import signal

    from api.app import build_deps, push_providers
    from api.config import Settings

    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not (settings.mongodb_uri and settings.redis_url):
        log.error("a separate worker needs MONGODB_URI and REDIS_URL (the demo server runs its own)")
        return 2

    async def serve() -> None:
        deps = build_deps(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(deps.db, deps.redis, push_worker(deps), stop)
        await deps.close()

    def push_worker(deps):
        return Worker(deps.db, deps.redis, push_providers(deps), retry=RetryPolicy(
            settings.push_retry_base, settings.push_retry_cap, settings.push_retry_window))

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
