"""Upstream rules the push channels must live with (issue 15, finding 5): WeChat's 20 forced token
refreshes a day, JPush's cid lifetime and rate limit, JPush options per deployment."""

import pytest
from test_push_channels import event, fault, make_worker, trail, wechat_resident

from support import start_server, stop_server


@pytest.fixture
async def push_server(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, PUSH_WORKER="false")
    yield server
    await stop_server(server)


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
        assert (found["status"], found["attempts"]) == ("delivered", 1), found.get("reason")
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
    assert (await trail(server, e["event_id"]))["wechat"]["status"] == "delivered"
    assert await forced_refreshes(server) == 0
