"""WeChat mini-program login: ``wx.login`` and ``sns/jscode2session``.

The mini-program side (``wx.login``) is played by a control endpoint that
hands out codes; the backend exchanges them at ``sns/jscode2session``, the
path wechatpy's ``WeChatWxa.code_to_session`` calls below its
``API_BASE_URL`` (point that at ``http://127.0.0.1:PORT{prefix}/wechat/``).
Mini-program appids and secrets are the ``wechat_apps`` of the state.

* ``POST {prefix}/wechat/login-code``  ``{"openid", "unionid"?, "appid"?}``
  -> 201 ``{"code", "expires_in": 300}`` (control plane: not recorded)
* ``GET  {prefix}/wechat/sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code``
  -> ``{"openid", "session_key", "unionid"?}``; errors are HTTP 200 with an
  errcode: 41002 / 40013 unknown appid, 41004 / 40125 wrong secret, 40002
  grant_type, 40029 invalid code (missing, unknown, expired after 300 s,
  already used, or issued for another appid), 40226 high risk user, 45011
  more than 100 exchanges a minute for one openid. (Real WeChat answers a
  missing js_code with 41008; the sandbox folds it into 40029.)
* ``POST   {prefix}/wechat/risky-users``  ``{"openid"}`` marks a high-risk user
* ``GET    {prefix}/wechat/risky-users``  ``{"openids": [...]}``
* ``DELETE {prefix}/wechat/risky-users[?openid=]``  unmark one, or all

Target: ``wechat.jscode2session``. An ``errcode: -1`` fault plays "system
busy".
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.base import INVALID_JSON
from sandbox.faults import ControlHandler
from sandbox.state import SandboxState
from sandbox.wechat import WeChatHandler
from sandbox.wechat_login_state import WECHAT_LOGIN_CODE_TTL

TARGETS = ("wechat.jscode2session",)

# openids and unionids: what WeChat issues is 28 chars of [A-Za-z0-9_-].
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


class Code2SessionHandler(WeChatHandler):
    target = "wechat.jscode2session"
    scrub_keys = frozenset({"js_code"})

    def get(self) -> None:
        appid = self.get_query_argument("appid", "")
        secret = self.get_query_argument("secret", "")
        grant_type = self.get_query_argument("grant_type", "")
        js_code = self.get_query_argument("js_code", "")
        apps = self.state.wechat.apps
        if not appid:
            return self.fail(41002)
        if appid not in apps:
            return self.fail(40013)
        if not secret:
            return self.fail(41004)
        if secret != apps[appid]:
            return self.fail(40125)
        if grant_type != "authorization_code":
            return self.fail(40002)
        result = self.state.wechat_login.exchange(appid, js_code) if js_code else 40029
        if isinstance(result, int):
            return self.fail(result)
        payload = {"openid": result.openid, "session_key": result.session_key}
        if result.unionid is not None:
            payload["unionid"] = result.unionid
        self.send_json(payload)


class LoginCodeHandler(ControlHandler):
    """Plays ``wx.login`` in the mini-program: a code for a given user."""

    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        openid = body.get("openid")
        if not _valid_id(openid):
            return self.fail(400, "openid must be 1-64 characters of [A-Za-z0-9_-]")
        unionid = body.get("unionid")
        if unionid is not None and not _valid_id(unionid):
            return self.fail(400, "unionid must be null or 1-64 characters of [A-Za-z0-9_-]")
        apps = self.state.wechat.apps
        appid = body.get("appid")
        if appid is None:
            appid = next(iter(apps), None)
            if appid is None:
                return self.fail(400, "no WeChat app is configured")
        elif appid not in apps:
            return self.fail(400, f"unknown appid {appid!r}")
        record = self.state.wechat_login.issue_code(appid, openid, unionid)
        self.send_json({"code": record.code, "expires_in": WECHAT_LOGIN_CODE_TTL}, 201)


class RiskyUsersHandler(ControlHandler):
    def get(self) -> None:
        self.send_json({"openids": sorted(self.state.wechat_risky_openids)})

    def post(self) -> None:
        body = self.json_body()
        if body is INVALID_JSON or not isinstance(body, dict) or not _valid_id(body.get("openid")):
            return self.fail(400, 'body must be {"openid": "<1-64 characters of [A-Za-z0-9_-]>"}')
        self.state.wechat_risky_openids.add(body["openid"])
        self.send_json({"openid": body["openid"], "risky": True}, 201)

    def delete(self) -> None:
        openid = self.get_query_argument("openid", None)
        risky = self.state.wechat_risky_openids
        if openid is None:
            count = len(risky)
            risky.clear()
        else:
            count = int(openid in risky)
            risky.discard(openid)
        self.send_json({"deleted": count})


def wechat_login_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/wechat"
    args = {"state": state}
    return [
        (rf"{base}/sns/jscode2session", Code2SessionHandler, args),
        (rf"{base}/login-code", LoginCodeHandler, args),
        (rf"{base}/risky-users", RiskyUsersHandler, args),
    ]
