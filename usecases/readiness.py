"""The push pipeline as /readyz reports it: the workers' last read of the stream (their heartbeats
in MongoDB) and the outbox's backlog. docs/OPERATIONS.md ("Readiness") says what each figure means
and why a deployment where no worker was ever seen is not unready for that alone."""

import datetime as dt

from models import clock, outbox, workers

NO_WORKER = "no worker seen"


async def status(db, config) -> tuple[str, dict]:
    """("ok" | NO_WORKER | "stale: …", figures)."""
    at = clock.now()
    heartbeat_age, backlog_age = config.push_ready_heartbeat_age, config.push_ready_backlog_age
    fresh_after = at - dt.timedelta(seconds=heartbeat_age or 60)
    last_read, reading = await workers.last_read(db, fresh_after)
    backlog = await outbox.backlog(db, config.push_sweep_age)
    figures = {"last_read_seconds": _age(at, last_read), "workers_reading": reading,
               **{name: {"count": f["count"], "oldest_seconds": _age(at, f["oldest"])} for name, f in backlog.items()}}
    unrelayed, unconfirmed = figures["unrelayed"]["oldest_seconds"], figures["unconfirmed"]["oldest_seconds"]
    if heartbeat_age and last_read is not None and figures["last_read_seconds"] > heartbeat_age:
        return f"stale: no worker read the stream for {figures['last_read_seconds']:.0f} s", figures
    if backlog_age and unrelayed is not None and unrelayed > backlog_age:
        return f"stale: an event waits for the relay since {unrelayed:.0f} s", figures
    if backlog_age and unconfirmed is not None and unconfirmed > config.push_sweep_age + backlog_age:
        return f"stale: an event relayed {unconfirmed:.0f} s ago is not handled", figures
    return ("ok" if last_read is not None else NO_WORKER), figures


def _age(at: dt.datetime, then: dt.datetime | None) -> float | None:
    return None if then is None else round(max(0.0, (at - then).total_seconds()), 1)
