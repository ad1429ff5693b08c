"""WeChat 人脸核身 2.0: ``cityservice/face/identify/getverifyid`` and ``queryverifyinfo``.

Both take the mini-program's ``access_token`` and a JSON body, and answer HTTP 200 with an
errcode like every WeChat API. The mini-program's ``wx.requestFacialVerify({verifyId})`` is
played by a control endpoint.

* ``POST {prefix}/wechat/cityservice/face/identify/getverifyid?access_token=``
  ``{"out_seq_no", "cert_info": {"cert_type": "IDENTITY_CARD", "cert_name", "cert_no"}, "openid"}``
  -> ``{"errcode": 0, "errmsg": "ok", "verify_id", "expires_in": 3600}``
* ``POST {prefix}/wechat/cityservice/face/identify/queryverifyinfo?access_token=``
  ``{"verify_id", "out_seq_no", "cert_hash", "openid"}`` -> ``{"errcode": 0, "errmsg": "ok",
  "verify_ret"}`` once the resident has finished (10000 passed, 9xxxx not)
* ``POST {prefix}/wechat/face/{verify_id}``  ``{"outcome": "pass"|"fail"|"timeout"|"cancel"}`` or
  ``{"verify_ret": 9xxxx}``: what the resident did (verify_ret 10000 / 90011 / 90107 / 90003);
  ``{"outcome": "expire"}`` lets the session run out unfinished. 409 when it already has an
  outcome or has expired. (control plane)
* ``GET  {prefix}/wechat/face?openid=`` the latest session of that openid (any, without one),
  404 when none (control plane)

Refusals: 47001 body not a JSON object, or a field missing, empty or not a string (``cert_info``
not an object); 47003 ``out_seq_no`` not 5-32 of [0-9A-Za-z_-] or already used by this appid,
``cert_type`` not IDENTITY_CARD, ``cert_name`` over 64 characters, ``cert_no`` failing the
GB 11643 check; 40003 ``openid`` that never logged in to this appid (the sandbox knows an app's
users from ``jscode2session``). queryverifyinfo: 47003 unknown ``verify_id`` (or another appid's),
or ``out_seq_no`` / ``openid`` / ``cert_hash`` not those of getverifyid.

The sandbox's own choices, where the documentation names no code: 9401001 "verify not finished"
(queried before the resident finished) and 9401002 "verify_id expired" (3600 s passed unfinished).
A finished session answers its verify_ret until it is dropped a day after expiry.

Targets: ``wechat.face.getverifyid``, ``wechat.face.queryverifyinfo``. The received log masks
``cert_name`` and ``cert_no``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from sandbox.face_state import OUTCOMES, WECHAT_FACE_TTL
from sandbox.faults import ControlHandler
from sandbox.identity import normalize
from sandbox.state import SandboxState
from sandbox.wechat import WeChatApiHandler

TARGETS = ("wechat.face.getverifyid", "wechat.face.queryverifyinfo")
SEQ = re.compile(r"[0-9A-Za-z_-]{5,32}")
MAX_NAME = 64
NOT_FINISHED, EXPIRED = 9401001, 9401002
VERIFY_RET = {"pass": 10000, "fail": 90011, "timeout": 90107, "cancel": 90003}


def cert_hash(cert_type: str, cert_name: str, cert_no: str) -> str:
    """WeChat's cert_hash: sha256 hex of ``cert_type=<b64>&cert_name=<b64>&cert_no=<b64>``."""
    def b64(value: str) -> str:
        return base64.b64encode(value.encode("utf-8")).decode("ascii")

    text = f"cert_type={b64(cert_type)}&cert_name={b64(cert_name)}&cert_no={b64(cert_no)}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class FaceApiHandler(WeChatApiHandler):
    scrub_keys = frozenset({"cert_name", "cert_no"})

    def refuse(self, errcode: int, errmsg: str) -> None:
        self.send_json({"errcode": errcode, "errmsg": errmsg})

    def fields(self, body: Any, names: tuple[str, ...]) -> dict[str, str] | None:
        """The named string fields of a JSON object body, or None (and 47001 sent)."""
        if not isinstance(body, dict) or not all(isinstance(body.get(n), str) and body[n] for n in names):
            self.refuse(47001, f"data format error: need {', '.join(names)}")
            return None
        return {n: body[n] for n in names}


class GetVerifyIdHandler(FaceApiHandler):
    target = "wechat.face.getverifyid"

    def post(self) -> None:
        body = self.json_body()
        got = self.fields(body, ("out_seq_no", "openid"))
        if got is None:
            return
        cert = self.fields(body.get("cert_info"), ("cert_type", "cert_name", "cert_no"))
        if cert is None:
            return
        if not SEQ.fullmatch(got["out_seq_no"]):
            return self.refuse(47003, "argument invalid! out_seq_no must be 5-32 of [0-9A-Za-z_-]")
        if cert["cert_type"] != "IDENTITY_CARD":
            return self.refuse(47003, "argument invalid! cert_type")
        if len(cert["cert_name"]) > MAX_NAME:
            return self.refuse(47003, "argument invalid! cert_name")
        if normalize(cert["cert_no"]) is None:
            return self.refuse(47003, "argument invalid! cert_no")
        if (self.appid, got["openid"]) not in self.state.wechat_login.sessions:
            return self.refuse(40003, "invalid openid")
        session = self.state.wechat_face.open(self.appid, got["out_seq_no"], cert["cert_name"], cert["cert_no"],
                                              got["openid"])
        if session is None:
            return self.refuse(47003, "argument invalid! out_seq_no already used")
        self.send_json({"errcode": 0, "errmsg": "ok", "verify_id": session.id, "expires_in": WECHAT_FACE_TTL})


class QueryVerifyInfoHandler(FaceApiHandler):
    target = "wechat.face.queryverifyinfo"

    def post(self) -> None:
        got = self.fields(self.json_body(), ("verify_id", "out_seq_no", "cert_hash", "openid"))
        if got is None:
            return
        session = self.state.wechat_face.get(self.appid, got["verify_id"])
        if session is None:
            return self.refuse(47003, "argument invalid! verify_id")
        for name, expected in (("out_seq_no", session.seq), ("openid", session.openid),
                               ("cert_hash", cert_hash("IDENTITY_CARD", session.cert_name, session.cert_no))):
            if got[name] != expected:
                return self.refuse(47003, f"argument invalid! {name} does not match getverifyid")
        if session.expired(self.state.clock()):
            return self.refuse(EXPIRED, "verify_id expired")
        if session.outcome is None:
            return self.refuse(NOT_FINISHED, "verify not finished")
        self.send_json({"errcode": 0, "errmsg": "ok", "verify_ret": session.verify_ret})


class FaceControlHandler(ControlHandler):
    """Plays ``wx.requestFacialVerify`` on the phone for one verify_id."""

    def get(self) -> None:
        session = self.state.wechat_face.latest(openid=self.get_query_argument("openid", None))
        if session is None:
            return self.fail(404, "no face session")
        self.send_json(session.to_json(self.state.clock()))

    def post(self, verify_id: str) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        outcome, ret = body.get("outcome"), body.get("verify_ret")
        if ret is not None:
            if not isinstance(ret, int) or isinstance(ret, bool) or not 90000 <= ret <= 99999:
                return self.fail(400, "verify_ret must be a 9xxxx failure code")
            outcome = "fail"
        elif outcome not in (*OUTCOMES, "expire"):
            return self.fail(400, f"outcome must be one of {', '.join(OUTCOMES)}, expire")
        session = self.state.wechat_face.sessions.get(verify_id)
        if session is None:
            return self.fail(404, "no such verify_id")
        now = self.state.clock()
        if session.outcome is not None or session.expired(now):
            return self.fail(409, "the session is over")
        if outcome == "expire":
            session.expires_at = now
        else:
            session.outcome, session.verify_ret = outcome, ret or VERIFY_RET[outcome]
        self.send_json(session.to_json(now))


def wechat_face_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/wechat"
    args = {"state": state}
    return [
        (rf"{base}/cityservice/face/identify/getverifyid", GetVerifyIdHandler, args),
        (rf"{base}/cityservice/face/identify/queryverifyinfo", QueryVerifyInfoHandler, args),
        (rf"{base}/face", FaceControlHandler, args),
        (rf"{base}/face/([A-Za-z0-9_-]{{1,256}})", FaceControlHandler, args),
    ]
