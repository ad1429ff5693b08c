"""Live messages over WebSocket, fanned out across two app instances through Redis pub/sub."""

import asyncio
import json

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from handlers import live
from support import applicant_token, start_server, stop_server, submit


async def connect(server, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{server.port}/api/v1/ws", headers=headers))


async def next_json(conn, timeout=5.0):
    raw = await asyncio.wait_for(conn.read_message(), timeout)
    return None if raw is None else json.loads(raw)


async def test_a_message_reaches_the_socket_open_on_another_instance(database, redis_server):
    redis_server.flush()
    worker_side = await start_server(database, redis_server.url)  # runs the push worker
    socket_side = await start_server(database, redis_server.url, seed_demo=False, PUSH_WORKER="false")
    try:
        token = await applicant_token(worker_side, "o-live")
        other_token = await applicant_token(worker_side, "o-live-other")
        other = await connect(socket_side, other_token)  # open before the message it must not hear
        assert await next_json(other) == {"type": "ready"}
        by_header = await connect(socket_side, token)
        assert await next_json(by_header) == {"type": "ready"}
        by_message = await connect(socket_side)  # a browser cannot set headers: it sends the token first
        by_message.write_message(json.dumps({"type": "auth", "token": token}))
        assert await next_json(by_message) == {"type": "ready"}
        number = await submit(worker_side, token)
        for conn in (by_header, by_message):
            pushed = await next_json(conn)
            assert pushed["type"] == "message" and pushed["message"]["number"] == number
            assert pushed["message"]["title"] == "办件已提交" and pushed["message"]["id"]
        # someone else's socket heard nothing of it: the first message it gets is its own, sent after
        own = await submit(worker_side, other_token)
        pushed = await next_json(other)
        assert pushed["type"] == "message" and pushed["message"]["number"] == own
        for conn in (by_header, by_message, other):
            conn.close()
    finally:
        await stop_server(socket_side)
        await stop_server(worker_side)


async def test_sockets_without_a_valid_token_are_closed(server, monkeypatch):
    bad = await connect(server, "not-a-token")
    assert await next_json(bad) is None and bad.close_code == 4401
    staff = await connect(server, await server.login())
    assert await next_json(staff) is None and staff.close_code == 4403  # a valid token, not for this socket
    wrong_first = await connect(server)
    wrong_first.write_message("hello")
    assert await next_json(wrong_first) is None and wrong_first.close_code == 4401
    for body in ({"type": "auth", "token": 123}, {"type": "auth", "token": ["x"]}, ["auth"]):  # not a 1011
        not_text = await connect(server)
        not_text.write_message(json.dumps(body))
        assert await next_json(not_text) is None and not_text.close_code == 4401, body
    monkeypatch.setattr(live, "AUTH_WINDOW", 0.2)
    silent = await connect(server)
    assert await next_json(silent) is None and silent.close_code == 4401
