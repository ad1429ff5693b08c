"""Alipay 身份验证 (``alipay.user.certify.open.*``) behind the sandbox gateway, and the resident's part.

Methods of ``{prefix}/alipay/gateway.do`` (signed and checked like every method, see
``sandbox.alipay``), answered under the method's own response key:

* ``alipay.user.certify.open.initialize``  biz_content ``{"outer_order_no": <=32, "biz_code":
  "FACE", "identity_param": {"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD",
  "cert_name", "cert_no"}, "merchant_config": {"return_url"}}`` -> ``{"code": "10000", "msg":
  "Success", "certify_id"}``
* ``alipay.user.certify.open.certify``  ``{"certify_id"}``: the page the phone opens
  (``my.startAPVerify({url, certifyId})``); the sandbox answers a small HTML page (HTTP 200) naming
  the session, or a signed error
* ``alipay.user.certify.open.query``  ``{"certify_id"}`` -> ``{"code": "10000", "msg": "Success",
  "passed": "T"|"F", ...}``

Control plane:

* ``POST {prefix}/alipay/certify/{certify_id}``  ``{"outcome": "pass"|"fail"|"timeout"|"cancel"|
  "expire"}``: what the resident did; ``timeout`` and ``expire`` let the certify_id run out
  unfinished. 409 when the session already has an outcome or has expired.
* ``GET  {prefix}/alipay/certify?cert_no=``  the latest session for that number (any, without one)

Refusals: ``isv.missing-param`` (a field missing or empty) and ``isv.invalid-parameter`` (biz_code
not FACE / CERT_PHOTO / CERT_PHOTO_FACE / SMART_FACE, outer_order_no over 32, identity_type not
CERT_INFO, cert_type not IDENTITY_CARD, cert_no failing GB 11643, a name over 64 characters).

The sandbox's own choices, where the documentation leaves it open (code 40004 "Business Failed"):
``OUTER_ORDER_NO_USED`` (initialize with a used outer_order_no), ``CERTIFY_ID_NOT_EXIST`` (unknown,
or another app's), ``CERTIFY_ID_EXPIRED`` (unfinished after 1800 s). Query before the resident
finished: ``passed`` "F" without ``fail_reason``; after a failure or a cancel: "F" with one; after a
pass: "T" with ``identity_info`` and ``material_info`` (JSON strings).
"""

from __future__ import annotations

import html
import json
from typing import Any

from sandbox.face_state import OUTCOMES, FaceSession
from sandbox.faults import ControlHandler
from sandbox.identity import normalize
from sandbox.state import SandboxState

INITIALIZE = "alipay.user.certify.open.initialize"
CERTIFY = "alipay.user.certify.open.certify"
QUERY = "alipay.user.certify.open.query"
METHODS = (INITIALIZE, CERTIFY, QUERY)
BIZ_CODES = frozenset({"FACE", "CERT_PHOTO", "CERT_PHOTO_FACE", "SMART_FACE"})
FAIL_REASON = {"fail": "人脸比对不通过", "cancel": "用户主动退出认证"}


class Refused(Exception):
    def __init__(self, code: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_code)
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg


def _missing(name: str) -> Refused:
    return Refused("40002", "isv.missing-param", f"缺少必选参数: {name}")


def _invalid(name: str) -> Refused:
    return Refused("40002", "isv.invalid-parameter", f"参数无效: {name}")


def _biz(params: dict[str, str]) -> dict[str, Any]:
    raw = params.get("biz_content", "")
    if not raw:
        raise _missing("biz_content")
    try:
        biz = json.loads(raw)
    except ValueError:
        biz = None
    if not isinstance(biz, dict):
        raise _invalid("biz_content")
    return biz


def _text(obj: dict[str, Any], name: str, limit: int = 64) -> str:
    value = obj.get(name)
    if value is None or value == "":
        raise _missing(name)
    if not isinstance(value, str) or len(value) > limit:
        raise _invalid(name)
    return value


def _object(obj: dict[str, Any], name: str) -> dict[str, Any]:
    value = obj.get(name)
    if value is None:
        raise _missing(name)
    if not isinstance(value, dict):
        raise _invalid(name)
    return value


def initialize(state: SandboxState, params: dict[str, str]) -> dict[str, Any]:
    biz = _biz(params)
    seq = _text(biz, "outer_order_no", 32)
    if _text(biz, "biz_code") not in BIZ_CODES:
        raise _invalid("biz_code")
    identity = _object(biz, "identity_param")
    if _text(identity, "identity_type") != "CERT_INFO":
        raise _invalid("identity_type")
    if _text(identity, "cert_type") != "IDENTITY_CARD":
        raise _invalid("cert_type")
    name, cert_no = _text(identity, "cert_name"), _text(identity, "cert_no")
    if normalize(cert_no) is None:
        raise _invalid("cert_no")
    _text(_object(biz, "merchant_config"), "return_url", 4096)
    session = state.alipay_certify.open(params["app_id"], seq, name, cert_no)
    if session is None:
        raise Refused("40004", "OUTER_ORDER_NO_USED", "outer_order_no已使用")
    return {"code": "10000", "msg": "Success", "certify_id": session.id}


def _session(state: SandboxState, params: dict[str, str]) -> FaceSession:
    certify_id = _text(_biz(params), "certify_id")
    session = state.alipay_certify.get(params["app_id"], certify_id)
    if session is None:
        raise Refused("40004", "CERTIFY_ID_NOT_EXIST", "certify_id不存在")
    if session.expired(state.clock()):
        raise Refused("40004", "CERTIFY_ID_EXPIRED", "certify_id已过期")
    return session


def certify_page(state: SandboxState, params: dict[str, str]) -> bytes:
    session = _session(state, params)
    certify_id = html.escape(session.id)
    return (f'<!doctype html><meta charset="utf-8"><title>支付宝身份验证（沙箱）</title>'
            f'<p>certify_id {certify_id}: POST /sandbox/alipay/certify/{certify_id} '
            f'{{"outcome": "pass"}} plays the resident.</p>').encode()


def query(state: SandboxState, params: dict[str, str]) -> dict[str, Any]:
    session = _session(state, params)
    if session.outcome == "pass":
        identity = {"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD", "cert_name": session.cert_name,
                    "cert_no": session.cert_no}
        return {"code": "10000", "msg": "Success", "passed": "T",
                "identity_info": json.dumps(identity, ensure_ascii=False),
                "material_info": json.dumps({"face_material": "c2FuZGJveA=="})}
    answer = {"code": "10000", "msg": "Success", "passed": "F"}
    if session.outcome is not None:
        answer["fail_reason"] = FAIL_REASON[session.outcome]
    return answer


def mask(params: dict[str, str]) -> dict[str, str]:
    """Parameters for the received log: the name and 身份证号 in initialize's biz_content masked."""
    if params.get("method") != INITIALIZE:
        return params
    try:
        biz = json.loads(params.get("biz_content", ""))
        identity = biz["identity_param"]
        for name in ("cert_name", "cert_no"):
            if name in identity:
                identity[name] = "***"
    except (ValueError, TypeError, KeyError):
        return {**params, "biz_content": "***"}
    return {**params, "biz_content": json.dumps(biz, ensure_ascii=False)}


class CertifyControlHandler(ControlHandler):
    """Plays the resident in Alipay's face check for one certify_id."""

    def get(self) -> None:
        session = self.state.alipay_certify.latest(cert_no=self.get_query_argument("cert_no", None))
        if session is None:
            return self.fail(404, "no certify session")
        self.send_json(session.to_json(self.state.clock()))

    def post(self, certify_id: str) -> None:
        body = self.json_body()
        outcome = body.get("outcome") if isinstance(body, dict) else None
        if outcome not in (*OUTCOMES, "expire"):
            return self.fail(400, f'body must be {{"outcome": one of {", ".join(OUTCOMES)}, expire}}')
        session = self.state.alipay_certify.sessions.get(certify_id)
        if session is None:
            return self.fail(404, "no such certify_id")
        now = self.state.clock()
        if session.outcome is not None or session.expired(now):
            return self.fail(409, "the session is over")
        if outcome in ("timeout", "expire"):
            session.expires_at = now
        else:
            session.outcome = outcome
        self.send_json(session.to_json(now))


def alipay_certify_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/alipay/certify"
    args = {"state": state}
    return [(base, CertifyControlHandler, args), (rf"{base}/([A-Za-z0-9_-]{{1,64}})", CertifyControlHandler, args)]
