"""The push worker: reads the event stream through a consumer group and delivers each event.
`python -m push.worker` runs one (`make run` and production); PUSH_WORKER=1 runs one inside an API
process instead (the tests, a one-process demo).

Per event: a notification record (once per event) fixes what the resident is told and the
channels to try in order — their channel first (WeChat or Alipay with quota, the app with a
device), the others after, then SMS for important events; the inbox always. One delivery record
per (event, channel) is the dedupe key: whoever holds its lease sends, a temporary failure
schedules a retry in the record, and a final failure moves on to the next channel.

A worker that dies mid-batch leaves its stream entries pending; another reclaims entries idle
longer than `claim_idle_ms` (XAUTOCLAIM). Retries and attempts cut short by a dead worker are
found in MongoDB by `run_due()`, so nothing depends on one process staying alive. Entries the
stream itself lost are relayed again by the sweep (push/relay.py). Each worker records its last
successful read of the stream in MongoDB (models/workers.py), which /readyz reports.
"""

import asyncio
import collections
import dataclasses
import datetime as dt
import gc
import logging
import os
import socket

from redis.exceptions import ResponseError

from models import clock, deliveries, notifications, receipts, residents, subscriptions, workers
from push import failures
from push.providers.base import OUTCOMES, unknown
from push.relay import GROUP, STREAM, relay_once, sweep_once
from push.retry import RetryPolicy
from push.templates import render

log = logging.getLogger(__name__)
STAFF_PREFIX = "staff:"
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
    batch: int = 200
    lease: float = 60.0  # longer than any provider timeout
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    sweep_age: float = 300.0  # an event unhandled this long after relaying is looked at again
    heartbeat_every: float = 10.0  # at most one heartbeat write per this many seconds
    poller: object = None  # push/receipts.py's Poller, run beside the loop by `run` (None: no polling)
    receipts_every: float = 5.0
    _next_beat: float = dataclasses.field(default=0.0, init=False, repr=False)

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
        if not entries:
            return 0
        events = [{_text(k): _text(v) for k, v in fields.items()} for _, fields in entries if fields]  # trimmed: empty
        good = [e for e in events if _well_formed(e)]
        await self.handle(good)
        # before the acknowledgement: once the entry is gone, the record says the event is safe
        await notifications.mark_handled(self.db, {e["event_id"] for e in good})
        await self.redis.xack(STREAM, GROUP, *(entry_id for entry_id, _ in entries))
        return len(entries)

    async def beat(self) -> None:
        """After a successful read: the heartbeat, at most once per `heartbeat_every` seconds."""
        now = asyncio.get_running_loop().time()
        if now >= self._next_beat:
            await workers.beat(self.db, self.name)
            self._next_beat = now + self.heartbeat_every

    async def handle(self, events: list[dict]) -> None:
        """Plan a notification per event (once per event: a replay keeps the first plan) and start it."""
        people = await recipients(self.db, {e["owner"] for e in events})
        reach = await subscriptions.reach(self.db, {str(r["_id"]) for r in people.values()})
        await self.refresh()
        notes = []
        for event in events:
            resident = people.get(event["owner"])
            if resident is None:
                log.info("push: resident gone; event dropped", extra={"event_id": event["event_id"]})
                continue
            title, body, phrase = render(event)
            notes.append({"_id": event["event_id"], "type": event["type"], "owner": event["owner"],
                          "number": event["number"], "item_name": event["item_name"], "channel": event["channel"],
                          "at": _aware(event["at"]), "title": title, "body": body, "phrase": phrase,
                          "plan": self.plan(resident, event, reach)})
        await self.advance(await notifications.open_many(self.db, notes), people, reach)

    def plan(self, resident: dict, event: dict, reach) -> list[str]:
        """The channels to try, in order (the inbox comes on top): the resident's preferred channel
        or the one the application came from, then the others, then SMS for important events."""
        prefs = reach.preferences(str(resident["_id"]))
        first = prefs["channel"] or event["channel"]
        order = [first, *(c for c in CHANNEL_ORDER if c != first)]
        plan = [c for c in order if c in self.providers and self.providers[c].eligible(resident, reach, event)]
        sms = self.providers.get("sms")
        if sms and prefs["sms"] == "important" and event["type"] in notifications.IMPORTANT \
                and sms.address(resident, reach) is not None:
            plan.append("sms")
        return plan

    async def advance(self, notes: list[dict], people: dict, reach) -> None:
        """Run each notification's next steps: the inbox, and the first channel not yet tried.
        A channel that fails for good hands over to the next one at once."""
        while notes:
            known = await deliveries.get_many(self.db, [deliveries.key(n["_id"], p) for n in notes
                                                         for p in ("inbox", *n["plan"])])
            steps = [(n, name) for n in notes for name in self._next(n, known)]
            fresh = [deliveries.new(n, name, self.lease, self.name, **await self._prepare(name))
                     for n, name in steps if deliveries.key(n["_id"], name) not in known]
            mine = await deliveries.begin_many(self.db, fresh)
            for n, name in steps:  # seen before and still `sending`: take it if its worker died
                seen = known.get(deliveries.key(n["_id"], name))
                if seen and seen["status"] == "sending":
                    taken = await deliveries.claim(self.db, seen["_id"], self.lease, self.name)
                    mine.extend([taken] if taken else [])
            by_id = {n["_id"]: n for n in notes}
            jobs = [(people[by_id[d["event_id"]]["owner"]], by_id[d["event_id"]], d) for d in mine
                    if by_id[d["event_id"]]["owner"] in people]
            outcomes = await self.attempt(jobs, reach)
            failed = {d["event_id"] for d, outcome in outcomes if d["provider"] != "inbox"
                      and outcome["status"] not in deliveries.REACHED and not outcome.get("retry")}
            notes = [by_id[event_id] for event_id in failed]

    async def _prepare(self, name: str) -> dict:
        """A provider's fields for a new record; nothing when it fails (its send asks again)."""
        try:
            return await self.providers[name].prepare()
        except Exception:
            log.exception("push %s: prepare failed", name)
            return {}

    @staticmethod
    def _next(note: dict, known: dict) -> list[str]:
        steps = []
        inbox = known.get(deliveries.key(note["_id"], "inbox"))
        if inbox is None or inbox["status"] == "sending":
            steps.append("inbox")
        for name in note["plan"]:
            done = known.get(deliveries.key(note["_id"], name))
            if done is None or done["status"] == "sending":
                steps.append(name)
                break
            if done["status"] in deliveries.REACHED:  # accepted: its receipt may still fail; we wait for none
                break
        return steps

    async def attempt(self, jobs: list[tuple[dict, dict, dict]], reach) -> list[tuple[dict, dict]]:
        """Send (resident, note, delivery) jobs, grouped by provider; record outcomes and spend quotas.
        Every job gets an outcome, whatever a provider raises (push/failures.py)."""
        by_provider: dict[str, list] = {}
        for resident, note, delivery in jobs:
            by_provider.setdefault(delivery["provider"], []).append((resident, note, delivery, reach))
        groups = await asyncio.gather(*(self.providers[name].send_many(group) for name, group in by_provider.items()),
                                      return_exceptions=True)
        results, used = [], collections.Counter()
        for group, outcomes in zip(by_provider.values(), groups, strict=True):
            if isinstance(outcomes, asyncio.CancelledError):
                raise outcomes
            if isinstance(outcomes, BaseException):  # send_many contains its own: this is a last resort
                log.error("push: a batch failed: %r", outcomes)
                outcomes = [unknown(outcomes) for _ in group]
            for (resident, note, delivery, _), outcome in zip(group, outcomes, strict=True):
                retry_at = None
                if outcome["status"] == "temporary-failure" and outcome.get("unknown") \
                        and failures.unknown_tries(delivery) + 1 >= failures.UNKNOWN_TRIES:
                    outcome = {**outcome, "status": "permanent-failure",
                               "reason": f"{outcome['reason']} (given up after {failures.UNKNOWN_TRIES} tries)"}
                    failures.refused(delivery["provider"], "unknown", "unknown", outcome["reason"])
                if outcome["status"] == "temporary-failure":
                    retry_at = self.retry.next_at(delivery, clock.now(), not_before=outcome.get("not_before"))
                    outcome["retry"] = retry_at is not None
                    if retry_at is None:
                        OUTCOMES.labels(delivery["provider"], "technical-failure").inc()
                quota, owner = self.providers[delivery["provider"]].quota_for(note), str(resident["_id"])
                if quota and outcome["status"] == "accepted" and reach.one_time(owner, delivery["provider"], quota):
                    used[(owner, delivery["provider"], quota)] += 1
                results.append((delivery, outcome, retry_at))
        accepted = await deliveries.record_many(self.db, results)
        await receipts.apply_waiting(self.db, accepted)  # receipts that came before the acceptance was written
        await subscriptions.spend(self.db, used)
        return [(delivery, outcome) for delivery, outcome, _ in results]

    async def refresh(self) -> None:
        await asyncio.gather(*(provider.refresh() for provider in self.providers.values()))

    async def run_due(self, limit: int = 200) -> int:
        """Retries whose time has come, and attempts whose worker died; then the next channels. Also
        the notifications a late failure receipt left without a channel (`_late_failures`)."""
        late = await self._late_failures(limit)
        claimed = [d for d in [await deliveries.claim(self.db, i, self.lease, self.name)
                               for i in await deliveries.due(self.db, limit)] if d]
        if not claimed:
            return late
        notes = await notifications.get_many(self.db, {d["event_id"] for d in claimed})
        people = await recipients(self.db, {n["owner"] for n in notes.values()})
        reach = await subscriptions.reach(self.db, {str(r["_id"]) for r in people.values()})
        await self.refresh()
        jobs, gone = [], []
        for d in claimed:
            note = notes.get(d["event_id"])
            if note is None or note["owner"] not in people:
                gone.append((d, {"status": "permanent-failure", "reason": "no-resident"}, None))
            else:
                jobs.append((people[note["owner"]], note, d))
        await deliveries.record_many(self.db, gone)
        outcomes = await self.attempt(jobs, reach)
        finished = [notes[d["event_id"]] for d, outcome in outcomes if d["provider"] != "inbox"
                    and outcome["status"] not in deliveries.REACHED and not outcome.get("retry")]
        await self.advance(finished, people, reach)
        return late + len(claimed)

    async def _late_failures(self, limit: int) -> int:
        """A channel accepted, then its receipt said permanent-failure: as when a send fails at once,
        the notification goes on to its next planned channel (advance skips the failed one)."""
        failed = await deliveries.late_failures(self.db, limit)
        if not failed:
            return 0
        notes = await notifications.get_many(self.db, {d["event_id"] for d in failed})
        people = await recipients(self.db, {n["owner"] for n in notes.values()})
        reach = await subscriptions.reach(self.db, {str(r["_id"]) for r in people.values()})
        await self.refresh()
        await self.advance([n for n in notes.values() if n["owner"] in people], people, reach)
        await deliveries.fell_back(self.db, [d["_id"] for d in failed])
        return len(failed)


async def recipients(db, owners) -> dict:
    """owner -> the person a message is for: a resident (following merges), or a member of staff
    (`staff:<username>`: task alerts for inspectors, in their inbox and live socket only)."""
    staff = {o for o in owners if o.startswith(STAFF_PREFIX)}
    found = await residents.get_many(db, set(owners) - staff)
    return {**found, **{o: {"_id": o, "channels": []} for o in staff}}


EVENT_FIELDS = ("event_id", "type", "channel", "owner", "number", "item_name", "at")


def _well_formed(event: dict) -> bool:
    """An entry missing a field, or with an unreadable time, can never be delivered: it is logged
    and acknowledged rather than retried for ever."""
    try:
        if all(event.get(k) for k in EVENT_FIELDS):
            _aware(event["at"])
            return True
    except ValueError:
        pass
    log.error("push: malformed stream entry dropped: %s", sorted(event))
    return False


def _aware(iso: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(iso)
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def run(db, redis, worker: Worker, stop: asyncio.Event, *, relay_every: float = 0.5,
              due_every: float = 0.5, sweep_every: float = 60.0) -> None:
    """Relay the outbox, work the stream and the due retries until `stop` is set; errors are logged
    and retried. The outbox and the retries are looked at again at once while they yield work, else
    every `relay_every` / `due_every` seconds (each look is a query); events unconfirmed for the
    sweep age likewise, else twice per sweep age (at most every 30 s); every `sweep_every` seconds,
    deliveries stuck in `sending` for 3 days expire. The worker's receipts poller, if it has one,
    runs beside the loop every `worker.receipts_every` seconds."""
    await worker.ensure_group()
    polling = asyncio.create_task(_poll(worker, stop)) if worker.poller is not None else None
    try:
        await _loop(db, redis, worker, stop, relay_every, due_every, sweep_every)
    finally:
        if polling is not None:
            polling.cancel()


async def _poll(worker: Worker, stop: asyncio.Event) -> None:
    """Receipts to ask for (push/receipts.py), beside the delivery loop: a slow platform report
    never holds up sending."""
    while not stop.is_set():
        try:
            await worker.poller.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("receipts poll failed; retrying")
        try:
            await asyncio.wait_for(stop.wait(), worker.receipts_every)
        except TimeoutError:
            pass


async def _loop(db, redis, worker: Worker, stop: asyncio.Event, relay_every: float, due_every: float,
                sweep_every: float) -> None:
    loop = asyncio.get_running_loop()
    next_relay = next_due = next_sweep = next_check = loop.time()
    check_every = min(30.0, worker.sweep_age / 2)
    while not stop.is_set():
        busy = 0
        try:
            if loop.time() >= next_sweep:
                await deliveries.expire_stuck(db)
                next_sweep = loop.time() + sweep_every
            if loop.time() >= next_relay:
                relayed = await relay_once(db, redis)
                next_relay = loop.time() + (0 if relayed else relay_every)
                busy += relayed
            busy += await worker.run_once()  # non-blocking: a blocked read would delay shutdown
            await worker.beat()
            if loop.time() >= next_check:
                checked = await sweep_once(db, redis, worker.sweep_age)
                next_check = loop.time() + (0 if checked else check_every)
                busy += checked
            if loop.time() >= next_due:
                due = await worker.run_due()
                next_due = loop.time() + (0 if due else due_every)
                busy += due
        except asyncio.CancelledError:
            raise
        except ResponseError as exc:
            if "NOGROUP" in str(exc):  # Redis lost the stream (restarted empty, flushed)
                busy = await _recreate_group(worker)
            else:
                log.exception("push loop failed; retrying")
        except Exception:
            log.exception("push loop failed; retrying")
        if not busy:
            try:
                await asyncio.wait_for(stop.wait(), min(relay_every, due_every))
            except TimeoutError:
                pass


async def _recreate_group(worker: Worker) -> int:
    """Make the consumer group again, from the stream's start, so what the relay adds from now on
    is delivered. (Events the old stream held unread are gone with it: the sweep relays them again.)"""
    log.warning("push: the stream's consumer group is gone; creating it again")
    try:
        await worker.ensure_group()
        return 1
    except Exception:
        log.exception("push: could not create the consumer group; retrying")
        return 0


def main() -> int:
    """`python -m push.worker`: one worker (and outbox relay) against MONGODB_URI and REDIS_URL."""
    import signal

    from config import Settings
    from wiring.common import wait_ready
    from wiring.push import build_worker, build_worker_deps, serve_metrics

    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not (settings.mongodb_uri and settings.redis_url):
        log.error("a separate worker needs MONGODB_URI and REDIS_URL (the demo server runs its own)")
        return 2

    async def serve() -> None:
        deps = build_worker_deps(settings)
        await wait_ready(deps.db, deps.redis)
        # start-up objects live as long as the process: keep them out of the collector's full
        # scans (as `python -m api` does), which otherwise show in every message's CPU
        gc.collect()
        gc.freeze()
        metrics = serve_metrics(settings, deps) if settings.metrics_port else None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(deps.db, deps.redis, build_worker(deps), stop)
        if metrics is not None:
            metrics.stop()
        await deps.close()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
