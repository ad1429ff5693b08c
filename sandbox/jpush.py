"""JPush REST API v3 ``push``, as the ``jpush`` Python SDK calls it.

The SDK takes its URLs from the module dict ``jpush.common.ZONES``; add a
zone for the sandbox and name it when creating the client::

    jpush.common.ZONES["SANDBOX"] = jpush_zone(f"http://127.0.0.1:{port}/sandbox")
    client = jpush.JPush(app_key, master_secret, zone="SANDBOX")

* ``POST {prefix}/jpush/v3/push`` - HTTP Basic ``app_key:master_secret``
  (``jpush_apps``), else 401 ``{"error": {"code": 1004, "message": "Authen
  failed"}}`` (the SDK raises ``Unauthorized``). Success: 200 ``{"sendno":
  "<options.sendno, or 0>", "msg_id": "<increasing number>"}``. Other errors
  are HTTP 400 ``{"error": {"code", "message"}}`` (``JPushFailure``):

  - 1002 a required field is missing: ``platform``, ``audience``, both
    ``notification`` and ``message``, ``message.msg_content``;
  - 1003 a value is invalid: body not a JSON object, ``platform`` not
    "all" or a list of android/ios/hmos/quickapp/winphone, ``audience`` not
    "all" or an object of known selectors, ``registration_id`` not a list
    of 1-1000 strings, a malformed ``notification`` / ``message``,
    ``options`` not an object, ``sendno`` not an int in 0..2^31-1,
    ``time_to_live`` not an int in 0..864000, ``apns_production`` not a
    boolean;
  - 1005 ``notification`` and ``message`` together over 4000 bytes;
  - 1011 nobody matches: a registration id that is unknown for this app,
    inactive, or on a platform the push excludes; a ``tag`` / ``alias`` /
    ``segment`` / ``abtest`` selector (sandbox devices carry none); or
    ``"all"`` with no active device.

  Other paths below ``{prefix}/jpush/v3/`` answer JPush-shaped 404s.

Control plane (not recorded):

* ``POST   {prefix}/jpush/devices`` ``{"app_key", "registration_id",
  "platform": "android" | "ios" | "hmos"}`` -> 201: the phone's JPush SDK
  registered (again: active again). Registration ids are 11-32 letters and
  digits.
* ``GET    {prefix}/jpush/devices[?app_key=]`` -> ``{"devices": [...]}``
* ``DELETE {prefix}/jpush/devices/{registration_id}[?app_key=]`` -> the
  device is inactive (1011 from then on), in every app unless ``app_key``.
* ``GET    {prefix}/jpush/pushes[?registration_id=]`` -> accepted pushes,
  oldest first: ``{"msg_id", "sendno", "app_key", "platform",
  "registration_ids", "notification", "message", "options", "at"}``
* ``DELETE {prefix}/jpush/pushes`` forgets them.

``GET {prefix}/jpush/v3/report/received/detail?msg_ids=`` (target ``jpush.report``; JPush's
report.jpush.cn ``/v3/received/detail``): per msg_id the received counts, as
``PUT {prefix}/jpush/receipts`` ``{"outcome": "deliver" | "silent", "outcomes": {registration_id:
outcome}}`` said when it was pushed (default: delivered to every device).

``GET {prefix}/jpush/v3/push/cid?count=N`` (target ``jpush.cid``) issues cids, each
good for a day; a push carrying a cid that already succeeded answers that first result
and pushes nothing (JPush's guard against retried requests); an unknown or expired cid
is 1003.

Rate limit (JPush's API 频率控制): every authenticated push call counts towards the app's
calls in a window of 60 s (``state.jpush.rate_limit``, 600 by default; ``GET|PUT
{prefix}/jpush/rate-limit`` ``{"limit": N}``), and every answer to one carries
``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset`` (seconds
until the window resets). Over the limit: HTTP 429 ``{"error": {"code": 2002, ...}}``.
``options.classification`` (0 operational, 1 system message) must be 0 or 1;
``options.third_party_channel`` an object.

Target: ``jpush.push``. An ``errcode`` fault answers HTTP 400 ``{"error":
{"code": errcode, "message": errmsg}}``; a ``status`` fault answers that
status with the same shape (code: the fault's errcode, else 1000 for 5xx,
1004 for 401, 1003 otherwise); ``drop`` / ``latency_ms`` as usual.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import uuid
from typing import Any

import tornado.web

from sandbox.base import INVALID_JSON, SandboxHandler
from sandbox.faults import ControlHandler
from sandbox.jpush_state import JPUSH_DEVICE_PLATFORMS, JPUSH_PLATFORMS, JPUSH_REGISTRATION_ID, JPUSH_REPORT_FIELDS, JPushDevice
from sandbox.shared_state import Fault
from sandbox.state import SandboxState

TARGETS = ("jpush.push", "jpush.cid", "jpush.report")

MAX_REGISTRATION_IDS = 1000
MAX_TIME_TO_LIVE = 864_000  # 10 days
MAX_SENDNO = 2**31 - 1
MAX_CONTENT_BYTES = 4000
AUDIENCE_KEYS = frozenset({"tag", "tag_and", "tag_not", "alias", "registration_id", "segment", "abtest"})
NOTIFICATION_KEYS = frozenset({"alert", "android", "ios", "hmos", "quickapp", "winphone", "voip"})

MESSAGES = {
    1000: "Server error",
    1001: "Only support HTTP POST",
    1002: "Missing parameter",
    1003: "Parameter value is invalid",
    1004: "Authen failed",
    1005: "Message is too long",
    1011: "cannot find user by this audience or has been inactive for more than 255 days",
    2002: "Request times of the app_key exceed the limit of current time window",
}


def jpush_zone(base_url: str) -> dict[str, str]:
    """The ``jpush.common.ZONES`` entry for a sandbox at ``base_url``
    (``http://127.0.0.1:PORT{prefix}``)."""
    v3 = f"{base_url.rstrip('/')}/jpush/v3/"
    return {
        "PUSH": v3,
        "REPORT": v3 + "report/",
        "DEVICE": v3 + "devices/",
        "ALIAS": v3 + "aliases/",
        "TAG": v3 + "tags/",
        "SCHEDULE": v3 + "schedules/",
        "ADMIN": v3 + "admin/",
    }


def jpush_error(code: int, message: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": MESSAGES.get(code, "error") if message is None else message}}


def _status_code(status: int) -> int:
    if status == 401:
        return 1004
    if status == 405:
        return 1001
    return 1000 if status >= 500 else 1003


class PushError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_platform(platform: Any) -> set[str]:
    if platform is None:
        raise PushError(1002, "platform is required")
    if platform == "all":
        return set(JPUSH_PLATFORMS)
    if not isinstance(platform, list) or not platform or not all(p in JPUSH_PLATFORMS for p in platform):
        raise PushError(1003, "platform is invalid")
    return set(platform)


def check_audience(audience: Any) -> Any:
    """The audience's shape: "all", or an object of known selectors."""
    if audience is None:
        raise PushError(1002, "audience is required")
    if audience == "all":
        return audience
    if not isinstance(audience, dict) or not audience or not set(audience) <= AUDIENCE_KEYS:
        raise PushError(1003, "audience is invalid")
    ids = audience.get("registration_id", [""])
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_REGISTRATION_IDS
        or not all(isinstance(i, str) for i in ids)
    ):
        raise PushError(1003, f"registration_id must be a list of 1-{MAX_REGISTRATION_IDS} strings")
    return audience


def resolve_audience(audience: Any, devices: list[JPushDevice], platforms: set[str]) -> list[str]:
    """The registration ids a valid audience reaches (``devices``: the app's
    active ones), or PushError(1011) when someone is missing."""
    reachable = [d.registration_id for d in devices if d.platform in platforms]
    if audience == "all":
        ids = reachable
    elif set(audience) != {"registration_id"}:
        ids = []  # no sandbox device has tags, aliases, segments
    else:
        ids = list(dict.fromkeys(audience["registration_id"]))
        if not set(ids) <= set(reachable):
            ids = []
    if not ids:
        raise PushError(1011)
    return ids


def check_notification(notification: Any) -> None:
    if not isinstance(notification, dict) or not notification or not set(notification) <= NOTIFICATION_KEYS:
        raise PushError(1003, "notification is invalid")
    if "alert" in notification and not isinstance(notification["alert"], str):
        raise PushError(1003, "notification.alert must be a string")
    for name, override in notification.items():
        if name == "alert":
            continue
        if not isinstance(override, dict):
            raise PushError(1003, f"notification.{name} must be an object")
        alert = override.get("alert")
        if alert is not None and not isinstance(alert, str) and not (name == "ios" and isinstance(alert, dict)):
            raise PushError(1003, f"notification.{name}.alert is invalid")


def check_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise PushError(1003, "message is invalid")
    if "msg_content" not in message:
        raise PushError(1002, "message.msg_content is required")
    if not isinstance(message["msg_content"], str):
        raise PushError(1003, "message.msg_content must be a string")
    for name in ("title", "content_type"):
        if name in message and not isinstance(message[name], str):
            raise PushError(1003, f"message.{name} must be a string")
    if "extras" in message and not isinstance(message["extras"], dict):
        raise PushError(1003, "message.extras must be an object")


def check_options(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise PushError(1003, "options must be an object")
    if "sendno" in options and not _is_int(options["sendno"], 0, MAX_SENDNO):
        raise PushError(1003, "options.sendno is invalid")
    if "time_to_live" in options and not _is_int(options["time_to_live"], 0, MAX_TIME_TO_LIVE):
        raise PushError(1003, f"options.time_to_live must be between 0 and {MAX_TIME_TO_LIVE}")
    if "apns_production" in options and not isinstance(options["apns_production"], bool):
        raise PushError(1003, "options.apns_production must be a boolean")
    classification = options.get("classification", 0)
    if isinstance(classification, bool) or classification not in (0, 1):
        raise PushError(1003, "options.classification must be 0 or 1")
    if "third_party_channel" in options and not isinstance(options["third_party_channel"], dict):
        raise PushError(1003, "options.third_party_channel must be an object")
    return options


def check_push(body: Any, devices: list[JPushDevice]) -> dict[str, Any]:
    """The accepted push (without ids and time), or PushError."""
    if not isinstance(body, dict):
        raise PushError(1003, "body must be a JSON object")
    platforms = check_platform(body.get("platform"))
    audience = check_audience(body.get("audience"))
    notification, message = body.get("notification"), body.get("message")
    if notification is None and message is None:
        raise PushError(1002, "notification or message is required")
    if notification is not None:
        check_notification(notification)
    if message is not None:
        check_message(message)
    content = json.dumps([notification, message], ensure_ascii=False, separators=(",", ":"))
    if len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise PushError(1005)
    options = check_options(body.get("options"))
    registration_ids = resolve_audience(audience, devices, platforms)
    return {
        "sendno": str(options.get("sendno", 0)),
        "platform": body["platform"],
        "registration_ids": registration_ids,
        "notification": notification,
        "message": message,
        "options": options,
    }


class JPushHandler(SandboxHandler):
    def error_payload(self, status_code: int) -> dict[str, Any]:
        return jpush_error(_status_code(status_code), self._reason)

    def fail(self, code: int, status: int = 400, message: str | None = None) -> None:
        self.note_code(code)
        self.send_json(jpush_error(code, message), status)

    def send_errcode_fault(self, fault: Fault) -> None:
        self.fail(1000 if fault.errcode is None else fault.errcode, 400, fault.errmsg)

    def send_status_fault(self, fault: Fault, status: int) -> None:
        self.set_status(status)
        code = _status_code(status) if fault.errcode is None else fault.errcode
        self.fail(code, status, fault.errmsg or self._reason)


class PushHandler(JPushHandler):
    target = "jpush.push"

    def app_key(self) -> str | None:
        """The app_key of valid Basic credentials, else None."""
        scheme, _, encoded = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            app_key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        expected = self.state.jpush.apps.get(app_key)
        if not sep or expected is None or not hmac.compare_digest(secret.encode(), expected.encode()):
            return None
        return app_key

    def post(self) -> None:
        app_key = self.app_key()
        if app_key is None:
            return self.fail(1004, 401)
        jpush = self.state.jpush
        within, remaining, reset = jpush.count_call(app_key, self.state.clock())
        self.set_header("X-Rate-Limit-Limit", str(jpush.rate_limit))
        self.set_header("X-Rate-Limit-Remaining", str(remaining))
        self.set_header("X-Rate-Limit-Reset", str(reset))
        if not within:
            return self.fail(2002, 429)
        devices = [d for d in jpush.devices.values() if d.app_key == app_key and d.active]
        body = self.json_body()
        try:
            push = check_push(None if body is INVALID_JSON else body, devices)
        except PushError as exc:
            return self.fail(exc.code, 400, exc.message)
        cid = body.get("cid") if isinstance(body, dict) else None
        if cid is not None:
            if not jpush.cid_valid(app_key, cid, self.state.clock()):
                return self.fail(1003, 400, "cid is invalid or expired")
            first = jpush.cid_results.get(cid)
            if first is not None:  # a retry: JPush answers the first result and pushes nothing
                return self.send_json(first)
        msg_id = str(next(jpush.msg_ids))
        jpush.pushes.append({"msg_id": msg_id, "app_key": app_key, "cid": cid, **push, "at": self.state.now_iso(),
                             "report": jpush.report(app_key, push["registration_ids"])})
        reply = {"sendno": push["sendno"], "msg_id": msg_id}
        if cid is not None:
            jpush.cid_results[cid] = reply
        self.send_json(reply)


class CidHandler(PushHandler):
    """``GET /v3/push/cid?count=&type=push``: ids that make a retried push a no-op."""

    target = "jpush.cid"

    def get(self) -> None:
        app_key = self.app_key()
        if app_key is None:
            return self.fail(1004, 401)
        raw = self.get_query_argument("count", "1")
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            return self.fail(1003, 400, "count must be between 1 and 1000")
        cids = [f"{app_key}-{uuid.uuid4()}" for _ in range(int(raw))]
        now = self.state.clock()
        self.state.jpush.cids.setdefault(app_key, {}).update(dict.fromkeys(cids, now))
        self.send_json({"cidlist": cids})


class ReceivedDetailHandler(PushHandler):
    """``GET /v3/received/detail?msg_ids=a,b`` (report.jpush.cn; here below ``/v3/report/``): per
    msg_id of this app, the received counts (null for an id JPush does not know), up to 100 ids."""

    target = "jpush.report"

    def post(self) -> None:  # not the push it inherits its credentials check from
        raise tornado.web.HTTPError(405)

    def get(self) -> None:
        app_key = self.app_key()
        if app_key is None:
            return self.fail(1004, 401)
        ids = [i for i in self.get_query_argument("msg_ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100 or not all(i.isdigit() for i in ids):
            return self.fail(1003, 400, "msg_ids must be 1-100 msg_id, separated by commas")
        pushes = {p["msg_id"]: p for p in self.state.jpush.pushes if p["app_key"] == app_key}
        empty = dict.fromkeys(JPUSH_REPORT_FIELDS)
        self.send_json([{"msg_id": i, **(pushes[i]["report"] if i in pushes else empty)} for i in ids])


class ReceiptsHandler(ControlHandler):
    """``GET|PUT {prefix}/jpush/receipts`` ``{"outcome": "deliver" | "silent", "outcomes":
    {registration_id: outcome}}``: what the received report will say of pushes made from now."""

    def get(self) -> None:
        jpush = self.state.jpush
        self.send_json({"outcome": jpush.receipt_outcome, "outcomes": jpush.receipt_outcomes})

    def put(self) -> None:
        body = self.json_body()
        outcomes = body.get("outcomes", {}) if isinstance(body, dict) else None
        if not isinstance(outcomes, dict) or body.get("outcome", "deliver") not in ("deliver", "silent") \
                or not all(v in ("deliver", "silent") for v in outcomes.values()):
            return self.fail(400, 'outcome(s) must be "deliver" or "silent"')
        self.state.jpush.receipt_outcome = body.get("outcome", self.state.jpush.receipt_outcome)
        self.state.jpush.receipt_outcomes.update(outcomes)
        self.get()


class JPushNotFoundHandler(JPushHandler):
    """Unimplemented JPush APIs: a 404 the SDK can parse."""

    def prepare(self) -> None:  # type: ignore[override]
        raise tornado.web.HTTPError(404)


class DevicesHandler(ControlHandler):
    """Plays the phone's JPush SDK registering with JPush."""

    def get(self) -> None:
        app_key = self.get_query_argument("app_key", None)
        devices = [vars(d) for d in self.state.jpush.devices.values() if app_key is None or d.app_key == app_key]
        self.send_json({"devices": devices})

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        app_key, registration_id, platform = body.get("app_key"), body.get("registration_id"), body.get("platform")
        if app_key not in self.state.jpush.apps:
            return self.fail(400, f"unknown app_key {app_key!r}")
        if not isinstance(registration_id, str) or not JPUSH_REGISTRATION_ID.fullmatch(registration_id):
            return self.fail(400, "registration_id must be 11-32 letters and digits")
        if platform not in JPUSH_DEVICE_PLATFORMS:
            return self.fail(400, f"platform must be one of {', '.join(sorted(JPUSH_DEVICE_PLATFORMS))}")
        device = JPushDevice(app_key, registration_id, platform)
        self.state.jpush.devices[(app_key, registration_id)] = device
        self.send_json(vars(device), 201)


class DeviceHandler(ControlHandler):
    def delete(self, registration_id: str) -> None:
        app_key = self.get_query_argument("app_key", None)
        found = [
            d
            for d in self.state.jpush.devices.values()
            if d.registration_id == registration_id and (app_key is None or d.app_key == app_key)
        ]
        if not found:
            return self.fail(404, f"no device {registration_id!r}")
        for device in found:
            device.active = False
        self.send_json({"deactivated": len(found)})


class PushesHandler(ControlHandler):
    def get(self) -> None:
        registration_id = self.get_query_argument("registration_id", None)
        pushes = [
            p for p in self.state.jpush.pushes if registration_id is None or registration_id in p["registration_ids"]
        ]
        self.send_json({"pushes": pushes})

    def delete(self) -> None:
        pushes = self.state.jpush.pushes
        count = len(pushes)
        pushes.clear()
        self.send_json({"deleted": count})


class RateLimitHandler(ControlHandler):
    def get(self) -> None:
        self.send_json({"limit": self.state.jpush.rate_limit})

    def put(self) -> None:
        body = self.json_body()
        limit = body.get("limit") if isinstance(body, dict) else None
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            return self.fail(400, '"limit" must be an integer >= 0')
        self.state.jpush.rate_limit = limit
        self.get()


def jpush_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/jpush"
    args = {"state": state}
    return [
        (rf"{base}/v3/push", PushHandler, args),
        (rf"{base}/v3/push/cid", CidHandler, args),
        (rf"{base}/v3/report/received/detail", ReceivedDetailHandler, args),
        (rf"{base}/v3/.*", JPushNotFoundHandler, args),
        (rf"{base}/devices", DevicesHandler, args),
        (rf"{base}/devices/([^/]{{1,64}})", DeviceHandler, args),
        (rf"{base}/pushes", PushesHandler, args),
        (rf"{base}/rate-limit", RateLimitHandler, args),
        (rf"{base}/receipts", ReceiptsHandler, args),
    ]
