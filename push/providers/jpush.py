"""JPush for the native app. The official `jpush` SDK builds the payload; Tornado's async client
sends it (the SDK's requests session would hold a thread per push). Each delivery record carries a
JPush `cid` from its creation (JPush's cid API hands them out), so a retry after an unknown
outcome (a timeout, a worker that died mid-send) is answered with the first result, not pushed
twice. A cid lives a day at JPush, so the pool drops cids older than CID_MAX_AGE, leaving the
rest of the day for retries (PUSH_RETRY_WINDOW is at most 12 h). 1011 (no such device, or
inactive for 255 days) unregisters the device; a rate limit (HTTP 429, code 2002) waits for the
reset JPush names in X-Rate-Limit-Reset."""

import asyncio
import base64
import datetime as dt
import json
import logging

import jpush
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from models import deliveries, subscriptions
from push import failures
from push.providers.base import PermanentFailure, Provider, TemporaryFailure, UnknownFailure

log = logging.getLogger(__name__)
TTL = 86400  # JPush's default offline lifetime; the inbox keeps the message anyway
CID_BATCH = 100
CID_MAX_AGE = dt.timedelta(hours=12)
# JPush's error codes (REST API 错误码) -> (reason, cause) of a refusal no retry changes
PERMANENT = {1002: ("missing-field", "content"), 1003: ("invalid-value", "content"), 1005: ("too-long", "content"),
             1009: ("unsupported-key", "content"), 1004: ("unauthorized", "config"), 1008: ("invalid-app-key", "config"),
             2003: ("app-key-restricted", "config"), 2004: ("no-permission", "config"), 2005: ("volume-limit", "quota")}
TEMPORARY = {1000, 1030}  # JPush's own error, its internal timeout: the cid makes a retry safe
# Status messages are system messages (服务与通讯) on the vendors' channels: JPush's push API calls
# this `options.classification` = 1 (0: operational/marketing), and maps it to Xiaomi, Huawei, OPPO
# and vivo ("厂商消息分类使用指南", docs.jiguang.cn/jpush/client/Android/android_channel_id).
SYSTEM_MESSAGE = 1
# the received report's counts of devices that got the message (/v3/received/detail)
RECEIVED = ("jpush_received", "android_pns_received", "ios_apns_received", "ios_msg_received",
            "quickapp_jpush_received", "hmos_hmpns_received")


class JPushProvider(Provider):
    name = "app"

    def __init__(self, db, *, app_key: str, master_secret: str, api_base: str, timeout: float = 5.0,
                 apns_production: bool = True, report_base: str = "https://report.jpush.cn/v3/"):
        self.db, self.api_base, self.timeout, self.apns_production = db, api_base, timeout, apns_production
        self.report_base = report_base
        self._sdk = jpush.JPush(app_key, master_secret)
        token = base64.b64encode(f"{app_key}:{master_secret}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}
        self._cids: list[tuple[str, dt.datetime]] = []  # (cid, when JPush handed it out)
        self._refill = asyncio.Lock()

    @staticmethod
    def clock() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def address(self, resident: dict, reach):
        return reach.devices.get(str(resident["_id"]), [])[:10] or None

    async def prepare(self) -> dict:
        """A cid for the new delivery, from a pool filled 100 at a time by JPush's cid API. None
        when JPush cannot be reached now (the first send asks again)."""
        async with self._refill:
            now = self.clock()
            self._cids = [(cid, at) for cid, at in self._cids if now - at < CID_MAX_AGE]
            if not self._cids:
                try:
                    reply = await self._fetch(f"push/cid?count={CID_BATCH}&type=push", "GET", None)
                except (TemporaryFailure, PermanentFailure) as exc:
                    log.warning("no JPush cids: %s", exc)
                    return {"cid": None}
                self._cids = [(cid, now) for cid in reply.get("cidlist") or [] if isinstance(cid, str)]
            return {"cid": self._cids.pop()[0] if self._cids else None}

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        extras = {"number": note["number"], "event": note["_id"]}
        push = self._sdk.create_push()
        push.audience = jpush.audience(jpush.registration_id(*to))
        push.platform = jpush.all_
        push.notification = jpush.notification(
            alert=note["body"], android=jpush.android(alert=note["body"], title=note["title"],
                                                      extras=extras),
            ios=jpush.ios(alert={"title": note["title"], "body": note["body"]}, extras=extras))
        push.options = {"time_to_live": TTL, "apns_production": self.apns_production, "classification": SYSTEM_MESSAGE}
        push.cid = delivery.get("cid") or await self._late_cid(delivery)
        reply = await self._fetch("push", "POST", json.dumps(push.payload, ensure_ascii=False))
        if not isinstance(reply, dict):
            raise UnknownFailure("jpush reply not an object")
        if reply.get("error"):
            code = reply["error"].get("code") if isinstance(reply["error"], dict) else None
            if code == 1011:
                for registration_id in to:
                    await subscriptions.deactivate_device(self.db, registration_id, "jpush 1011")
                raise PermanentFailure("unregistered-device (1011)", cause="recipient", code=1011)
            if code in PERMANENT:
                reason, cause = PERMANENT[code]
                raise PermanentFailure(f"jpush {reason} ({code})", cause=cause, code=code)
            if code in TEMPORARY:
                raise TemporaryFailure(f"jpush {code}")
            raise UnknownFailure(f"jpush {code}")
        return reply.get("msg_id", "")

    async def received(self, msg_ids: list[str]) -> set[str]:
        """The msg_ids (at most 100) that reached a device, by JPush's received report. A push
        nobody received yet is simply not among them: JPush never reports a failure."""
        reply = await self._fetch("received/detail?msg_ids=" + ",".join(msg_ids), "GET", None, base=self.report_base)
        if not isinstance(reply, list):
            raise UnknownFailure("jpush report not a list")
        return {str(r.get("msg_id")) for r in reply if isinstance(r, dict)
                and sum(r.get(k) or 0 for k in RECEIVED if isinstance(r.get(k) or 0, int)) > 0}

    async def _late_cid(self, delivery: dict) -> str:
        """The record was made while JPush handed out no cid: give it one before its first push."""
        cid = (await self.prepare())["cid"]
        if cid is None:
            raise TemporaryFailure("jpush cid unavailable")
        return await deliveries.keep(self.db, delivery["_id"], "cid", cid)

    async def _fetch(self, path: str, method: str, body: str | None, *, base: str | None = None) -> dict:
        try:
            response = await AsyncHTTPClient().fetch((base or self.api_base) + path, method=method, body=body,
                                                     headers=self._headers, request_timeout=self.timeout)
            return json.loads(response.body)
        except HTTPClientError as exc:
            if exc.code == 429:  # 2002: the app's calls per minute; JPush says when the window resets
                reset = exc.response.headers.get("X-Rate-Limit-Reset") if exc.response is not None else None
                wait = int(reset) if reset and reset.isdigit() else 60
                raise TemporaryFailure(f"jpush rate limit (2002, {wait} s)", not_before=failures.after(wait)) from None
            if exc.code == 401:  # our app key or secret is wrong: nothing goes out until it is fixed
                raise PermanentFailure("jpush unauthorized (401)", cause="config", code=1004) from None
            if exc.code == 400 and exc.response is not None:
                try:
                    return json.loads(exc.response.body)
                except ValueError:
                    pass
            raise TemporaryFailure(f"jpush HTTP {exc.code}") from None
        except (TimeoutError, OSError, ValueError) as exc:
            raise TemporaryFailure(f"jpush {type(exc).__name__}") from None
