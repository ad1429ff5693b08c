"""The WeChat official-account API, as much of it as the project uses.

Routes live below ``{prefix}/wechat/`` so that an SDK pointed at
``http://127.0.0.1:PORT{prefix}/wechat/cgi-bin/`` talks to the sandbox.
Like WeChat, API errors are HTTP 200 with a non-zero ``errcode``.

Targets (for faults and the received log):

* ``wechat.token``                - GET  cgi-bin/token
* ``wechat.stable_token``         - POST cgi-bin/stable_token
* ``wechat.menu.create``          - POST cgi-bin/menu/create
* ``wechat.menu.get``             - GET  cgi-bin/menu/get
* ``wechat.menu.delete``          - GET  cgi-bin/menu/delete
* ``wechat.menu.selfmenu_info``   - GET  cgi-bin/get_current_selfmenu_info
"""

from __future__ import annotations

import copy
import math
from typing import Any

from sandbox.base import INVALID_JSON, SandboxHandler
from sandbox.state import SandboxState
from sandbox.wechat_state import WeChatToken

ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40165: "invalid weapp pagepath",
    40166: "invalid appid",
    40226: "high risk user",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
}

TARGETS = (
    "wechat.token",
    "wechat.stable_token",
    "wechat.menu.create",
    "wechat.menu.get",
    "wechat.menu.delete",
    "wechat.menu.selfmenu_info",
)


def wechat_error(errcode: int) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "system error")}


# ---------------------------------------------------------------- menu rules

# Types that carry a ``key`` (pushed back to the account as an event).
KEY_TYPES = frozenset(
    {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)
BUTTON_TYPES = KEY_TYPES | {"view", "miniprogram", "media_id", "article_id", "article_view_limited"}
MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

# errcode per rule: (top-level, sub-level)
_TYPE_ERR = (40017, 40024)
_NAME_ERR = (40018, 40025)
_KEY_ERR = (40019, 40026)
_URL_ERR = (40020, 40027)


class MenuError(Exception):
    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


def _utf8_len(value: str) -> int:
    return len(value.encode("utf-8"))


def _check_name(button: dict[str, Any], limit: int, errcode: int) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not name or _utf8_len(name) > limit:
        raise MenuError(errcode)


def _check_url(url: Any, errcode: int) -> None:
    if (
        not isinstance(url, str)
        or not url.startswith(("http://", "https://"))
        or _utf8_len(url) > MAX_URL_BYTES
    ):
        raise MenuError(errcode)


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _check_leaf(button: dict[str, Any], level: int, linked_miniprograms: set[str]) -> None:
    kind = button.get("type")
    if not isinstance(kind, str) or kind not in BUTTON_TYPES:
        raise MenuError(_TYPE_ERR[level])
    if kind in KEY_TYPES:
        key = button.get("key")
        if not _nonempty_str(key) or _utf8_len(key) > MAX_KEY_BYTES:
            raise MenuError(_KEY_ERR[level])
    elif kind == "view":
        _check_url(button.get("url"), _URL_ERR[level])
    elif kind == "miniprogram":
        if button.get("appid") not in linked_miniprograms:
            raise MenuError(40166)
        if not _nonempty_str(button.get("pagepath")):
            raise MenuError(40165)
        _check_url(button.get("url"), _URL_ERR[level])
    elif kind == "media_id":
        if not _nonempty_str(button.get("media_id")):
            raise MenuError(40007)
    elif not _nonempty_str(button.get("article_id")):  # article_id, article_view_limited
        raise MenuError(40007)


def validate_menu(body: Any, linked_miniprograms: set[str]) -> list[dict[str, Any]]:
    """Apply WeChat's menu/create rules; return the buttons as WeChat stores
    them (every button carries a ``sub_button`` list, empty for leaves)."""
    if not isinstance(body, dict) or not isinstance(body.get("button"), list):
        raise MenuError(47001)
    buttons = body["button"]
    if not all(isinstance(b, dict) for b in buttons):
        raise MenuError(47001)
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(40016)
    stored = []
    for button in buttons:
        _check_name(button, MAX_NAME_BYTES, _NAME_ERR[0])
        subs = button.get("sub_button")
        if subs is not None and not isinstance(subs, list):
            raise MenuError(47001)
        if subs:
            if len(subs) > MAX_SUB_BUTTONS:
                raise MenuError(40023)
            for sub in subs:
                if not isinstance(sub, dict):
                    raise MenuError(47001)
                _check_name(sub, MAX_SUB_NAME_BYTES, _NAME_ERR[1])
                # menu/get answers "sub_button": [] on leaves, so an empty
                # list is tolerated; a real third level is not.
                if sub.get("sub_button"):
                    raise MenuError(40024)
                _check_leaf(sub, 1, linked_miniprograms)
        elif subs is not None and "type" not in button:
            raise MenuError(40023)  # "sub_button": [] and nothing else
        else:
            _check_leaf(button, 0, linked_miniprograms)
        item = copy.deepcopy(button)
        item["sub_button"] = [dict(copy.deepcopy(s), sub_button=[]) for s in subs or []]
        if subs:
            item.pop("type", None)
        stored.append(item)
    return stored


def selfmenu_info(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """The get_current_selfmenu_info shape of a stored menu."""

    def leaf(button: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in button.items() if k != "sub_button"}

    out = []
    for button in buttons:
        if button["sub_button"]:
            out.append(
                {"name": button["name"], "sub_button": {"list": [leaf(s) for s in button["sub_button"]]}}
            )
        else:
            out.append(leaf(button))
    return {"button": out}


# ---------------------------------------------------------------- handlers


class WeChatHandler(SandboxHandler):
    def error_payload(self, status_code: int) -> dict[str, Any]:
        if status_code >= 500:
            return wechat_error(-1)
        return super().error_payload(status_code)

    def fail(self, errcode: int) -> None:
        self.send_json(wechat_error(errcode))

    def check_app(self, grant_type: Any, appid: Any, secret: Any) -> bool:
        """Credential checks shared by token and stable_token."""
        apps = self.state.wechat.apps
        if grant_type != "client_credential":
            self.fail(40002)
        elif not _nonempty_str(appid):
            self.fail(41002)
        elif appid not in apps:
            self.fail(40013)
        elif not _nonempty_str(secret):
            self.fail(41004)
        elif secret != apps[appid]:
            self.fail(40125)
        else:
            return True
        return False

    def send_token(self, record: WeChatToken) -> None:
        expires_in = max(0, math.ceil(record.expires_at - self.state.clock()))
        self.send_json({"access_token": record.token, "expires_in": expires_in})


class TokenHandler(WeChatHandler):
    target = "wechat.token"

    def get(self) -> None:
        appid = self.get_query_argument("appid", "")
        if self.check_app(
            self.get_query_argument("grant_type", ""), appid, self.get_query_argument("secret", "")
        ):
            self.send_token(self.state.wechat.issue_classic(appid))


class StableTokenHandler(WeChatHandler):
    target = "wechat.stable_token"

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(47001)
        force_refresh = body.get("force_refresh", False)
        if force_refresh is None:
            force_refresh = False
        if not isinstance(force_refresh, bool):
            return self.fail(47001)
        appid = body.get("appid")
        if not self.check_app(body.get("grant_type"), appid, body.get("secret")):
            return
        result = self.state.wechat.stable(appid, force_refresh)
        if isinstance(result, int):
            return self.fail(result)
        self.send_token(result)


class WeChatApiHandler(WeChatHandler):
    """An API call authenticated by the ``access_token`` query parameter."""

    appid: str

    async def prepare(self) -> None:
        await super().prepare()
        if self.answered:
            return
        token = self.get_query_argument("access_token", "")
        if not token:
            return self.fail(41001)
        record = self.state.wechat.check_token(token)
        if isinstance(record, int):
            return self.fail(record)
        self.appid = record.appid


class MenuCreateHandler(WeChatApiHandler):
    target = "wechat.menu.create"

    def post(self) -> None:
        body = self.json_body()
        try:
            buttons = validate_menu(
                None if body is INVALID_JSON else body, self.state.wechat.linked_miniprograms
            )
        except MenuError as exc:
            return self.fail(exc.errcode)
        self.state.wechat.menus[self.appid] = buttons
        self.fail(0)


class MenuGetHandler(WeChatApiHandler):
    target = "wechat.menu.get"

    def get(self) -> None:
        buttons = self.state.wechat.menus.get(self.appid)
        if buttons is None:
            return self.fail(46003)
        self.send_json({"menu": {"button": copy.deepcopy(buttons)}})


class MenuDeleteHandler(WeChatApiHandler):
    target = "wechat.menu.delete"

    def get(self) -> None:
        self.state.wechat.menus.pop(self.appid, None)
        self.fail(0)


class SelfMenuInfoHandler(WeChatApiHandler):
    target = "wechat.menu.selfmenu_info"

    def get(self) -> None:
        buttons = self.state.wechat.menus.get(self.appid)
        if buttons is None:
            return self.send_json({"is_menu_open": 0, "selfmenu_info": {"button": []}})
        self.send_json({"is_menu_open": 1, "selfmenu_info": selfmenu_info(buttons)})


def wechat_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes below ``{prefix}/wechat/``; ``prefix_re`` is already regex-escaped."""
    base = rf"{prefix_re}/wechat/cgi-bin"
    args = {"state": state}
    return [
        (rf"{base}/token", TokenHandler, args),
        (rf"{base}/stable_token", StableTokenHandler, args),
        (rf"{base}/menu/create", MenuCreateHandler, args),
        (rf"{base}/menu/get", MenuGetHandler, args),
        (rf"{base}/menu/delete", MenuDeleteHandler, args),
        (rf"{base}/get_current_selfmenu_info", SelfMenuInfoHandler, args),
    ]
