"""WeChat's message push (消息推送) to the mini-program's server URL: the
``subscribe_msg_sent_event`` receipt of every subscribe message the sandbox
accepted, and any event a test hands it (``subscribe_msg_popup_event``,
``subscribe_msg_change_event``), signed and, in safe mode, encrypted as
WeChat does.

A POST to ``{push_url}?signature=&timestamp=&nonce=&openid=`` (safe mode adds
``encrypt_type=aes&msg_signature=``), body XML or JSON (``format``).
``signature`` = sha1 of the sorted token, timestamp and nonce;
``msg_signature`` = sha1 of the sorted token, timestamp, nonce and
``Encrypt``. ``Encrypt`` = base64(AES-256-CBC(key, iv = key[:16], PKCS#7 to 32
bytes: 16 random bytes + the message's length, 4 bytes big-endian + the
message + appid)), key = base64(aes_key + "=").

Receipts wait in ``pending`` until flushed, so tests decide when they arrive:

* ``GET|PUT {prefix}/wechat/push`` ``{"push_url", "token", "aes_key"
  (43 characters; null: plain mode), "format": "xml" | "json", "auto"
  (flush after every send), "outcome": "deliver" | "fail" | "silent",
  "errcode" (a failure's ErrorCode, default 43101), "outcomes": {openid:
  {"outcome", "errcode"?}}}``; a PUT sets the fields it names.
* ``POST {prefix}/wechat/push/flush`` posts every pending receipt; answers
  ``{"sent": [{"msgid", "status"}]}`` (the push URL's HTTP status, 599: no
  answer).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import struct
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.ioloop import IOLoop

from sandbox.faults import ControlHandler
from sandbox.wechat_push_state import PUSH_OUTCOMES, WeChatPushState


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def encrypt(aes_key: str, appid: str, text: str) -> str:
    key = base64.b64decode(aes_key + "=")
    body = text.encode("utf-8")
    raw = os.urandom(16) + struct.pack(">I", len(body)) + body + appid.encode("utf-8")
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode("ascii")


def _xml(message: dict[str, Any]) -> str:
    def render(value: Any) -> str:
        if isinstance(value, dict):
            return "".join(f"<{k}>{render(v)}</{k}>" for k, v in value.items())
        if isinstance(value, list):
            raise ValueError("lists are rendered by their parent")
        text = str(value)
        return text if text.isdigit() else f"<![CDATA[{text}]]>"

    parts = []
    for key, value in message.items():
        items = value.get("List") if isinstance(value, dict) else None
        if isinstance(items, list):  # several List elements, as WeChat repeats them
            parts.append(f"<{key}>" + "".join(f"<List>{render(i)}</List>" for i in items) + f"</{key}>")
        else:
            parts.append(f"<{key}>{render(value)}</{key}>")
    return "<xml>" + "".join(parts) + "</xml>"


def request(push: WeChatPushState, appid: str, message: dict[str, Any], *, timestamp: int,
            nonce: str | None = None) -> tuple[str, bytes, dict[str, str]]:
    """(url, body, headers) of one push of ``message``, as WeChat signs (and encrypts) it."""
    nonce = nonce or secrets.token_hex(8)
    ts = str(timestamp)
    query = {"signature": signature(push.token, ts, nonce), "timestamp": ts, "nonce": nonce,
             "openid": message.get("FromUserName", "")}
    text = json.dumps(message, ensure_ascii=False) if push.format == "json" else _xml(message)
    if push.aes_key:
        encrypted = encrypt(push.aes_key, appid, text)
        query.update(encrypt_type="aes", msg_signature=signature(push.token, ts, nonce, encrypted))
        outer = {"ToUserName": message.get("ToUserName", ""), "Encrypt": encrypted}
        text = json.dumps(outer) if push.format == "json" else _xml(outer)
    content_type = "application/json" if push.format == "json" else "text/xml"
    separator = "&" if "?" in (push.push_url or "") else "?"
    return f"{push.push_url}{separator}{urlencode(query)}", text.encode("utf-8"), {"Content-Type": content_type}


async def deliver(push: WeChatPushState, appid: str, message: dict[str, Any], timestamp: int) -> int:
    """POST one event to the push URL; its HTTP status (599: no answer)."""
    url, body, headers = request(push, appid, message, timestamp=timestamp)
    try:
        response = await AsyncHTTPClient().fetch(url, method="POST", body=body, headers=headers, request_timeout=5)
        return response.code
    except HTTPClientError as exc:
        return exc.code
    except OSError:
        return 599


async def flush(push: WeChatPushState, clock, concurrency: int = 10) -> list[dict[str, Any]]:
    """Post every pending receipt (`concurrency` at a time), each tried up to 3 times as WeChat
    does when our URL does not answer 200 in time."""
    pending, push.pending = push.pending, []
    gate = asyncio.Semaphore(concurrency)

    async def one(p: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            for _ in range(3):
                status = await deliver(push, p["appid"], p["message"], int(clock()))
                if status == 200:
                    break
        return {"msgid": p["msgid"], "status": status}

    return list(await asyncio.gather(*(one(p) for p in pending)))


async def _auto(state) -> None:
    """``auto`` mode: one flusher at a time, until nothing is pending."""
    push = state.wechat_push
    try:
        while push.pending:
            await flush(push, state.clock)
    finally:
        push.flushing = False


def after_send(state, appid: str, openid: str, template_id: str, msgid: int) -> None:
    """The subscribe-send handler's hook: queue the receipt, and post it soon in ``auto`` mode."""
    push = state.wechat_push
    push.sent(appid, openid, template_id, msgid, f"gh_{appid[-12:]}", state.clock())
    if push.auto and push.pending and not push.flushing:
        push.flushing = True
        IOLoop.current().spawn_callback(_auto, state)


class PushConfigHandler(ControlHandler):
    def get(self) -> None:
        self.send_json(self.state.wechat_push.view())

    def put(self) -> None:
        body = self.json_body()
        push = self.state.wechat_push
        fields = {"push_url", "token", "aes_key", "format", "auto", "outcome", "errcode", "outcomes"}
        if not isinstance(body, dict) or not set(body) <= fields:
            return self.fail(400, f"body must be a JSON object of {sorted(fields)}")
        aes_key = body.get("aes_key", push.aes_key)
        if aes_key is not None and (not isinstance(aes_key, str) or len(aes_key) != 43):
            return self.fail(400, "aes_key must be null or 43 characters")
        if body.get("format", push.format) not in ("xml", "json"):
            return self.fail(400, 'format must be "xml" or "json"')
        outcomes = body.get("outcomes") or {}
        rules = [body, *outcomes.values()] if isinstance(outcomes, dict) else [None]
        if not all(isinstance(r, dict) and r.get("outcome", "deliver") in PUSH_OUTCOMES for r in rules):
            return self.fail(400, f"outcome must be one of {PUSH_OUTCOMES}")
        for name, value in body.items():
            setattr(push, name, value)
        self.get()


class PushFlushHandler(ControlHandler):
    async def post(self) -> None:
        self.send_json({"sent": await flush(self.state.wechat_push, self.state.clock)})


def wechat_push_routes(state, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    args = {"state": state}
    return [(rf"{prefix_re}/wechat/push", PushConfigHandler, args),
            (rf"{prefix_re}/wechat/push/flush", PushFlushHandler, args)]
