"""`/api/v1/ws`: a resident's live messages. Authenticate with the Authorization header (mini
programs can set it) or, from a browser, a first message {"type": "auth", "token": "..."} within
5 seconds; tokens never go in the URL. The socket closes when the token expires (4401), and the
client reconnects with a fresh one. A resident's socket passes the same gate as their other APIs
(models/legal.py): 4403 `consent.required` until the current 用户协议 and 隐私政策 are agreed to,
4401 for a closed account."""

import asyncio
import json
import logging
import time

import tornado.websocket

from models import legal, residents
from models.errors import AppError

log = logging.getLogger(__name__)
AUTH_WINDOW = 5.0
UNAUTHORIZED = 4401
FORBIDDEN = 4403  # no reconnecting until the resident has done what the reason says


class LiveSocket(tornado.websocket.WebSocketHandler):
    owner: str | None = None
    openapi_operations = {"get": {
        "tags": ["notifications"], "summary": "WebSocket: the resident's live messages",
        "description": "Upgrade to WebSocket. Authenticate with the Authorization header or a first message "
                       '{"type": "auth", "token": "<access token>"} within 5 s. The server sends {"type": "ready"}, '
                       'then {"type": "message", "message": {...}} for each new inbox message; close code 4401 '
                       "when the token is missing, invalid or expired or the account closed, 4403 "
                       "(reason `consent.required`) until the resident agrees to the current documents.",
        "responses": {"101": {"description": "switching protocols"}}}}

    @property
    def deps(self):
        return self.application.settings["deps"]

    def check_origin(self, origin: str) -> bool:
        return True  # no cookies are used: a token is required whatever the origin

    async def open(self):
        header = self.request.headers.get("Authorization", "")
        if header:
            await self._authenticate(header.partition(" ")[2])
        else:
            self._timer = asyncio.get_running_loop().call_later(AUTH_WINDOW, self._close_unauthenticated)

    async def on_message(self, message):
        if self.owner is not None:
            if message == "ping":
                self.write_message("pong")
            return
        try:
            body = json.loads(message)
            token = body["token"] if body.get("type") == "auth" else None
        except (ValueError, KeyError, TypeError, AttributeError):
            token = None
        if not token or not isinstance(token, str):
            self.close(UNAUTHORIZED, "auth first")
            return
        self._timer.cancel()
        await self._authenticate(token)

    async def _authenticate(self, token: str) -> None:
        try:
            claims = self.deps.tokens.decode(token.strip())
            if claims["typ"] == "resident":
                owner = str((await residents.of_token(self.deps.db, claims))["_id"])
                if self.application.settings["config"].consent_gate:
                    await legal.check_login(self.deps.db, claims["sub"])
            elif claims.get("role") in ("inspector", "supervisor"):  # task alerts
                owner = f"staff:{claims['username']}"
            else:
                raise AppError(403, "auth.forbidden", "")
        except AppError as exc:
            self.close(FORBIDDEN if exc.status == 403 else UNAUTHORIZED, exc.code)
            return
        self.owner = owner
        self.deps.live.add(self.owner, self)
        delay = max(0.0, claims["exp"] - time.time())
        self._timer = asyncio.get_running_loop().call_later(delay, self.close, UNAUTHORIZED, "token expired")
        self.write_message(json.dumps({"type": "ready"}))

    def _close_unauthenticated(self) -> None:
        if self.owner is None:
            self.close(UNAUTHORIZED, "auth timeout")

    def deliver(self, message: dict) -> None:
        try:
            self.write_message(json.dumps({"type": "message", "message": message}, ensure_ascii=False))
        except tornado.websocket.WebSocketClosedError:
            self.on_close()

    def on_close(self) -> None:
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
        if self.owner is not None:
            self.deps.live.remove(self.owner, self)


default_handlers = [(r"/api/v1/ws", LiveSocket)]
