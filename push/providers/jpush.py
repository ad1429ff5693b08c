"""JPush for the native app. The official `jpush` SDK builds the payload; Tornado's async client
sends it (the SDK's requests session would hold a thread per push). Each delivery record carries a
JPush `cid` from its creation (JPush's cid API hands them out), so a retry after an unknown
outcome (a timeout, a worker that died mid-send) is answered with the first result, not pushed
twice. 1011 (no such device, or inactive for 255 days) unregisters the device."""

import asyncio
import base64
import json
import logging

import jpush
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from models import deliveries, subscriptions
from push.providers.base import PermanentFailure, Provider, TemporaryFailure

log = logging.getLogger(__name__)
TTL = 86400  # JPush's default offline lifetime; the inbox keeps the message anyway
CID_BATCH = 100


class JPushProvider(Provider):
    name = "app"

    def __init__(self, db, *, app_key: str, master_secret: str, api_base: str, timeout: float = 5.0):
        self.db, self.api_base, self.timeout = db, api_base, timeout
        self._sdk = jpush.JPush(app_key, master_secret)
        token = base64.b64encode(f"{app_key}:{master_secret}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        self._cids: list[str] = []
        self._refill = asyncio.Lock()

    def address(self, resident: dict, reach):
        return reach.devices.get(str(resident["_id"]), [])[:10] or None

    async def prepare(self) -> dict:
        """A cid for the new delivery, from a pool filled 100 at a time by JPush's cid API. None
        when JPush cannot be reached now (the first send asks again)."""
        async with self._refill:
            if not self._cids:
                try:
                    reply = await self._fetch(f"push/cid?count={CID_BATCH}&type=push", "GET", None)
                except TemporaryFailure as exc:
                    log.warning("no JPush cids: %s", exc)
                    return {"cid": None}
                self._cids = list(reply.get("cidlist") or [])
            return {"cid": self._cids.pop() if self._cids else None}

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        extras = {"number": note["number"], "event": note["_id"]}
        push = self._sdk.create_push()
        push.audience = jpush.audience(jpush.registration_id(*to))
        push.platform = jpush.all_
        push.notification = jpush.notification(
            alert=note["body"], android=jpush.android(alert=note["body"], title=note["title"],
                                                      extras=extras),
            ios=jpush.ios(alert={"title": note["title"], "body": note["body"]}, extras=extras))
        push.options = {"time_to_live": TTL, "apns_production": True}
        push.cid = delivery.get("cid") or await self._late_cid(delivery)
        reply = await self._fetch("push", "POST", json.dumps(push.payload, ensure_ascii=False))
        if reply.get("error"):
            code = reply["error"].get("code")
            if code == 1011:
                for registration_id in to:
                    await subscriptions.deactivate_device(self.db, registration_id, "jpush 1011")
                raise PermanentFailure("unregistered-device (1011)")
            raise PermanentFailure(f"jpush {code}")
        return reply.get("msg_id", "")

    async def _late_cid(self, delivery: dict) -> str:
        """The record was made while JPush handed out no cid: give it one before its first push."""
        cid = (await self.prepare())["cid"]
        if cid is None:
            raise TemporaryFailure("jpush cid unavailable")
        return await deliveries.keep(self.db, delivery["_id"], "cid", cid)

    async def _fetch(self, path: str, method: str, body: str | None) -> dict:
        try:
            response = await AsyncHTTPClient().fetch(self.api_base + path, method=method, body=body,
                                                     headers=self._headers, request_timeout=self.timeout)
            return json.loads(response.body)
        except HTTPClientError as exc:
            if exc.code == 401:  # our app key or secret is wrong: retrying will not help until fixed
                raise TemporaryFailure("jpush unauthorized (401)") from None
            if exc.code == 400 and exc.response is not None:
                try:
                    return json.loads(exc.response.body)
                except ValueError:
                    pass
            raise TemporaryFailure(f"jpush HTTP {exc.code}") from None
        except (TimeoutError, OSError, ValueError) as exc:
            raise TemporaryFailure(f"jpush {type(exc).__name__}") from None
