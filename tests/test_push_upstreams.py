"""Upstream rules the push channels must live with (issue 15, finding 5): WeChat's 20 forced token
refreshes a day, JPush's cid lifetime and rate limit, JPush options per deployment."""

import datetime as dt

import pytest
from test_push_channels import event, fault, make_worker, trail, wechat_resident

from support import start_server, stop_server


@pytest.fixture
async def push_server(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


def seconds_until(when) -> float:
    return (when.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)).total_seconds()


async def forced_refreshes(server) -> int:
    requests = (await server.fetch("/sandbox/received?target=wechat.stable_token")).json["requests"]
    return sum(1 for r in requests if (r["json"] or {}).get("force_refresh") is True)


async def test_a_day_of_refused_tokens_forces_one_refresh(push_server):
    """WeChat answers 40001 now and then; a forced refresh kills the token every process holds,
    and only 20 are allowed a day (30 s apart). One per WECHAT_FORCE_REFRESH_EVERY at most."""
    server = push_server
    worker = make_worker(server, window=60.0)
    owners = [(await wechat_resident(server, f"o-40001-{i}", kind="long-term"))[1] for i in range(6)]
    for owner in owners:  # one after another, each first answered 40001
        await fault(server, "wechat.subscribe.send", errcode=40001, errmsg="invalid credential", times=1)
        e = event(owner)
        await worker.handle([e])
        found = (await trail(server, e["event_id"]))["wechat"]
        assert (found["status"], found["attempts"]) == ("accepted", 1), found.get("reason")
    assert await forced_refreshes(server) == 1


async def test_a_token_killed_elsewhere_is_fetched_without_forcing(push_server):
    """Another system forced a refresh: our token is dead, the current one is a normal fetch away."""
    server = push_server
    worker = make_worker(server, window=60.0)
    owners = [(await wechat_resident(server, f"o-killed-{i}", kind="long-term"))[1] for i in range(2)]
    await worker.handle([event(owners[0])])
    sandbox, appid = server.deps.sandbox, server.settings.wechat_mini_appid
    assert not isinstance(sandbox.wechat.stable(appid, force_refresh=True), int)  # kills the token we hold
    e = event(owners[1])
    await worker.handle([e])
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "accepted"
    assert await forced_refreshes(server) == 0


# ---------------------------------------------------------------- JPush


async def app_owner(server, i):
    from test_push_channels import app_resident

    return (await app_resident(server, f"1390000{i:04d}", f"1a0018970a0b{i:07d}"))[1]


async def test_jpush_cids_older_than_their_day_are_not_used(push_server, monkeypatch):
    server = push_server
    worker = make_worker(server, window=60.0)
    owners = [await app_owner(server, i) for i in range(2)]
    provider = worker.providers["app"]
    first = event(owners[0], channel="app")
    await worker.handle([first])  # fills the cid pool
    assert (await trail(server, first["event_id"]))["app"]["status"] == "accepted"
    sandbox, real, later = server.deps.sandbox, server.deps.sandbox.clock, 25 * 3600
    monkeypatch.setattr(sandbox, "clock", lambda: real() + later)  # a quiet day passes
    monkeypatch.setattr(provider, "clock", lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=later), raising=False)
    second = event(owners[1], channel="app")
    await worker.handle([second])
    found = (await trail(server, second["event_id"]))["app"]
    assert (found["status"], found["attempts"]) == ("accepted", 1), found.get("reason")
    cids = (await server.fetch("/sandbox/received?target=jpush.cid")).json["requests"]
    assert len(cids) == 2  # the old pool was dropped and a fresh one fetched


async def test_jpush_rate_limit_waits_for_the_reset(push_server):
    server = push_server
    worker = make_worker(server, window=600.0)
    owners = [await app_owner(server, 10 + i) for i in range(3)]
    await server.fetch("/sandbox/jpush/rate-limit", "PUT", json_body={"limit": 2})
    events = [event(owner, channel="app") for owner in owners]
    await worker.handle(events)
    found = [(await trail(server, e["event_id"]))["app"] for e in events]
    assert sorted(f["status"] for f in found) == ["accepted", "accepted", "sending"]
    [waiting] = [f for f in found if f["status"] == "sending"]
    assert waiting["reason"].startswith("jpush rate limit") and seconds_until(waiting["retry_at"]) > 50
    await worker.run_due()
    assert len((await server.fetch("/sandbox/received?target=jpush.push")).json["requests"]) == 3  # no early retry


async def test_jpush_options_say_what_the_message_is(push_server):
    server = push_server
    worker = make_worker(server)
    owner = await app_owner(server, 20)
    await worker.handle([event(owner, channel="app")])
    [push] = server.deps.sandbox.jpush.pushes
    # demo: APNs' sandbox; a status message is a system message for the vendors' channels
    assert push["options"]["apns_production"] is False and push["options"]["classification"] == 1
