"""WeChat mini-program subscribe messages (``subscribeMessage.send``).

What wechatpy's ``client.wxa.send_subscribe_message`` posts below its wxa
``API_BASE_URL`` (point that at ``http://127.0.0.1:PORT{prefix}/wechat/``):

* ``POST {prefix}/wechat/cgi-bin/message/subscribe/send?access_token=``
  ``{"touser", "template_id", "page"?, "data": {key: {"value": str}},
  "miniprogram_state"?, "lang"?}`` -> ``{"errcode": 0, "errmsg": "ok",
  "msgid": N}``. The token (41001 / 40001 / 42001 as for every WeChat API)
  names the sending mini-program. Errors are HTTP 200 with an errcode, in
  this order: 47001 body not a JSON object; 40003 ``touser`` not an openid
  (1-64 of ``[A-Za-z0-9_-]``) or not a user of this app (openids are per
  app: the app's wx.login codes and subscribe prompts make its users);
  40037 ``template_id`` not one of this app's templates (another app's
  template included); 47003 ``data`` keys missing or not in the template, a
  value not a string, or breaking its keyword's rule (the errmsg names it:
  ``argument invalid! data.thing1.value ...``), or a bad ``page`` /
  ``miniprogram_state`` / ``lang``; 41030 ``page`` (before its ``?``) not a
  page of the app's released version, when the app's pages are known and
  the message opens the released version (``miniprogram_state`` formal);
  45009 the template's daily limit for this appid
  (``wechat_subscribe_daily_limit``); 43101 the user has no quota left. Only
  a successful send uses quota.

Keyword rules (``KEYWORD_RULES``, after the documented content limits):
``thing`` 1-20 characters; ``number`` 1-32 digits, optional decimals;
``letter`` 1-32 letters; ``symbol`` 1-5 symbols; ``character_string`` 1-32
digits, letters and symbols; ``phrase`` 1-5 Chinese characters; ``name``
1-10 Chinese characters (letters mixed in count as Chinese), or 1-20
letters and symbols, no digits; ``amount`` an optional currency sign, up to
10 digits, optional decimals, optional trailing 元; ``date`` ``y年m月d日``,
``y年m月``, ``m月d日``, or numbers joined by ``-``, ``/`` or ``.``
(``2018-01-01``, ``2018/01/01``, ``2018.01.01``, ``2018-01``, ``01-01``),
optionally with a time; ``time`` ``HH:MM[:SS]``, optionally after such a
date; ``date`` and ``time`` may be a range ``a~b``; ``phone_number`` 1-17
digits and ``+-()``; ``car_number`` 1-8 characters, letters and digits with
an optional Chinese character first or last.

Control plane (not recorded; the phone's ``wx.requestSubscribeMessage``):

* ``POST   {prefix}/wechat/subscriptions`` ``{"appid", "openid",
  "template_id", "kind": "one-time" | "long-term", "count"?}`` -> 201 and
  the user's quota for it (the template must be the app's; the openid
  becomes a user of the app). One-time units add up (``count`` >= 1,
  default 1); long-term is unlimited until revoked.
* ``DELETE {prefix}/wechat/subscriptions`` ``{"appid", "openid",
  "template_id"}`` (JSON body, or the same as query parameters) revokes both
  kinds.
* ``GET    {prefix}/wechat/subscriptions[?appid=&openid=]`` ->
  ``{"subscriptions": [{"appid", "openid", "template_id", "long_term",
  "one_time"}]}``
* ``GET    {prefix}/wechat/subscribe-messages[?touser=&appid=]`` -> sent
  messages, oldest first: ``{"msgid", "appid", "touser", "template_id",
  "page", "data", "miniprogram_state", "lang", "at"}``
* ``DELETE {prefix}/wechat/subscribe-messages`` forgets them.

Target: ``wechat.subscribe.send`` (an ``errcode`` fault answers HTTP 200
``{"errcode", "errmsg"}`` like every WeChat API).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sandbox.base import INVALID_JSON
from sandbox.faults import ControlHandler
from sandbox.state import SandboxState
from sandbox.wechat import WeChatApiHandler
from sandbox.wechat_login import ID_PATTERN
from sandbox.wechat_push import after_send

TARGETS = ("wechat.subscribe.send",)

MINIPROGRAM_STATES = frozenset({"developer", "trial", "formal"})
LANGS = frozenset({"zh_CN", "en_US", "zh_HK", "zh_TW"})
MAX_PAGE_LENGTH = 1024
MAX_ONE_TIME_COUNT = 1_000_000

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# The documented date forms: 2019年10月1日, 2019年10月, 10月1日, and numbers joined by - / .
_DATES = (
    re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日"),
    re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月"),
    re.compile(r"(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日"),
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})"),
    re.compile(r"(?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"),
)
_CLOCK = re.compile(r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?")
_SPLIT = re.compile(r"^(?P<date>.*?)(?:\s+|(?<=日))(?P<clock>[0-9]{1,2}:[0-9:]+)$")


def _openid(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _real_date(text: str) -> bool:
    for pattern in _DATES:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            dt.date(int(parts.get("y") or 2000), int(parts["m"]), int(parts.get("d") or 1))
        except ValueError:
            return False
        return True
    return False


def _moment(text: str, date_required: bool) -> bool:
    """One ``date`` (optionally with a time) or ``time`` (optionally after a date)."""
    split = _SPLIT.match(text)
    date, clock = (split.group("date"), split.group("clock")) if split else (text, None)
    if clock is None and not date_required:
        return _CLOCK.fullmatch(text) is not None
    if clock is not None and _CLOCK.fullmatch(clock) is None:
        return False
    return _real_date(date.strip())


def _moments(date_required: bool) -> Callable[[str], bool]:
    """A rule for ``date`` / ``time``: one moment or a range ``a~b``."""

    def check(value: str) -> bool:
        parts = value.split("~")
        return len(parts) <= 2 and all(_moment(part.strip(), date_required) for part in parts)

    return check


def _pattern(regex: str, max_length: int) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: len(value) <= max_length and compiled.fullmatch(value) is not None


def _name(value: str) -> bool:
    if re.search(rf"[{_CJK}]", value):  # Chinese, or Chinese and letters: counted as a Chinese name
        return re.fullmatch(rf"[{_CJK}A-Za-z .'·-]{{1,10}}", value) is not None
    return re.fullmatch(r"[A-Za-z .'·-]{1,20}", value) is not None and any(c.isalpha() for c in value)


# keyword type -> (check, what the errmsg says the rule is)
KEYWORD_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "thing": (lambda v: 1 <= len(v) <= 20, "at most 20 characters"),
    "number": (_pattern(r"[0-9]+(?:\.[0-9]+)?", 32), "at most 32 digits"),
    "letter": (_pattern(r"[A-Za-z]+", 32), "at most 32 letters"),
    "symbol": (_pattern(rf"[^\sA-Za-z0-9{_CJK}]+", 5), "at most 5 symbols"),
    "character_string": (_pattern(r"[\x21-\x7e]+", 32), "at most 32 digits, letters or symbols"),
    "phrase": (_pattern(rf"[{_CJK}]+", 5), "at most 5 Chinese characters"),
    "name": (_name, "at most 10 Chinese characters or 20 letters"),
    "amount": (_pattern(r"[¥￥$]?[0-9]{1,10}(?:\.[0-9]+)?元?", 32), "a sum of money"),
    "date": (_moments(True), "a date"),
    "time": (_moments(False), "a time"),
    "phone_number": (_pattern(r"[0-9+()-]+", 17), "at most 17 digits or symbols"),
    "car_number": (_pattern(rf"[{_CJK}]?[A-Za-z0-9]+[{_CJK}]?", 8), "a car number of at most 8 characters"),
}


class SubscribeError(Exception):
    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg


def _invalid(what: str) -> SubscribeError:
    return SubscribeError(47003, f"argument invalid! {what}")


def check_data(fields: dict[str, str], data: Any) -> None:
    """Raise SubscribeError(47003) unless ``data`` fills exactly ``fields``."""
    if not isinstance(data, dict):
        raise _invalid("data must be an object")
    for key in data:
        if key not in fields:
            raise _invalid(f"data.{key} is not in the template")
    for key, kind in fields.items():
        if key not in data:
            raise _invalid(f"data.{key} is missing")
        item = data[key]
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str):
            raise _invalid(f"data.{key}.value must be a string")
        check, rule = KEYWORD_RULES[kind]
        if not check(value):
            raise _invalid(f"data.{key}.value invalid {kind}: {rule}")


def check_message(state: SandboxState, appid: str, body: Any) -> dict[str, Any]:
    """The message app ``appid`` may send, or SubscribeError."""
    if not isinstance(body, dict):
        raise SubscribeError(47001)
    touser = body.get("touser")
    if not _openid(touser) or (appid, touser) not in state.wechat_login.users:
        raise SubscribeError(40003)
    fields = state.wechat_subscribe.template(appid, body.get("template_id"))
    if fields is None:
        raise SubscribeError(40037)
    check_data(fields, body.get("data"))
    page = body.get("page")
    if page is not None and (not isinstance(page, str) or len(page) > MAX_PAGE_LENGTH):
        raise _invalid("page")
    miniprogram_state = body.get("miniprogram_state", "formal")
    if miniprogram_state not in MINIPROGRAM_STATES:
        raise _invalid("miniprogram_state")
    pages = state.wechat_subscribe.pages.get(appid)
    if page and pages is not None and miniprogram_state == "formal" and page.split("?")[0] not in pages:
        raise SubscribeError(41030, "invalid page")
    lang = body.get("lang", "zh_CN")
    if lang not in LANGS:
        raise _invalid("lang")
    return {
        "touser": touser,
        "template_id": body["template_id"],
        "page": page,
        "data": body["data"],
        "miniprogram_state": miniprogram_state,
        "lang": lang,
    }


class SubscribeSendHandler(WeChatApiHandler):
    target = "wechat.subscribe.send"

    def post(self) -> None:
        body = self.json_body()
        try:
            message = check_message(self.state, self.appid, None if body is INVALID_JSON else body)
        except SubscribeError as exc:
            if exc.errmsg is None:
                return self.fail(exc.errcode)
            return self.send_json({"errcode": exc.errcode, "errmsg": exc.errmsg})
        subscribe = self.state.wechat_subscribe
        errcode = subscribe.take(self.appid, message["touser"], message["template_id"])
        if errcode:
            return self.fail(errcode)
        msgid = next(subscribe.msgids)
        subscribe.messages.append({"msgid": msgid, "appid": self.appid, **message, "at": self.state.now_iso()})
        after_send(self.state, self.appid, message["touser"], message["template_id"], msgid)  # its receipt
        self.send_json({"errcode": 0, "errmsg": "ok", "msgid": msgid})


class SubscriptionsHandler(ControlHandler):
    """Plays ``wx.requestSubscribeMessage``: what a user accepted."""

    def _key(self, body: Any) -> tuple[str, str, str] | None:
        if not isinstance(body, dict):
            self.fail(400, "body must be a JSON object")
            return None
        appid, openid, template_id = body.get("appid"), body.get("openid"), body.get("template_id")
        if appid not in self.state.wechat.apps:
            self.fail(400, f"unknown appid {appid!r}")
        elif not _openid(openid):
            self.fail(400, "openid must be 1-64 characters of [A-Za-z0-9_-]")
        elif self.state.wechat_subscribe.template(appid, template_id) is None:
            self.fail(400, f"unknown template_id {template_id!r} for appid {appid!r}")
        else:
            return appid, openid, template_id
        return None

    def get(self) -> None:
        appid = self.get_query_argument("appid", None)
        openid = self.get_query_argument("openid", None)
        self.send_json({"subscriptions": self.state.wechat_subscribe.subscriptions(appid, openid)})

    def post(self) -> None:
        body = self.json_body()
        key = self._key(body)
        if key is None:
            return
        kind, count = body.get("kind"), body.get("count", 1)
        if kind not in ("one-time", "long-term"):
            return self.fail(400, 'kind must be "one-time" or "long-term"')
        if kind == "one-time" and (
            not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_ONE_TIME_COUNT
        ):
            return self.fail(400, f"count must be an integer between 1 and {MAX_ONE_TIME_COUNT}")
        subscribe = self.state.wechat_subscribe
        subscribe.subscribe(*key, long_term=kind == "long-term", count=count)
        self.state.wechat_login.users.add(key[:2])  # they opened the app: its openid for them exists
        current = [s for s in subscribe.subscriptions(key[0], key[1]) if s["template_id"] == key[2]]
        self.send_json(current[0], 201)

    def delete(self) -> None:
        body = self.json_body()
        if body is None:
            body = {name: self.get_query_argument(name, None) for name in ("appid", "openid", "template_id")}
        key = self._key(body)
        if key is not None:
            self.send_json({"deleted": int(self.state.wechat_subscribe.revoke(*key))})


class SubscribeMessagesHandler(ControlHandler):
    def get(self) -> None:
        touser = self.get_query_argument("touser", None)
        appid = self.get_query_argument("appid", None)
        messages = [
            m
            for m in self.state.wechat_subscribe.messages
            if (touser is None or m["touser"] == touser) and (appid is None or m["appid"] == appid)
        ]
        self.send_json({"messages": messages})

    def delete(self) -> None:
        messages = self.state.wechat_subscribe.messages
        count = len(messages)
        messages.clear()
        self.send_json({"deleted": count})


def wechat_subscribe_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/wechat"
    args = {"state": state}
    return [
        (rf"{base}/cgi-bin/message/subscribe/send", SubscribeSendHandler, args),
        (rf"{base}/subscriptions", SubscriptionsHandler, args),
        (rf"{base}/subscribe-messages", SubscribeMessagesHandler, args),
    ]
