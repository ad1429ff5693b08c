"""Face verification (人脸核身) of a person on record, on the WeChat and Alipay mini-program channels.

`start` opens a session for a name + 身份证号 and returns what the mini-program needs to run the
check; `result` later asks the platform how it went: "passed", "failed", "timeout" or "pending".
Upstream trouble raises the channel's `unavailable` (503); a request the platform refuses (a bad
record, a reused serial, a handle that does not match) raises `<channel>.face_refused` (502).

WeChat 人脸核身 2.0 (the old getinfo interface stops on 2026-06-30), through wechatpy's client in
`WeChatPlatform.call` (token refresh and retry included):
- `cityservice/face/identify/getverifyid` {out_seq_no, cert_info, openid} -> verify_id, expires_in
  (3600); the mini-program runs `wx.requestFacialVerify({verifyId})` (base library >= 3.8.12).
- `cityservice/face/identify/queryverifyinfo` {verify_id, out_seq_no, cert_hash, openid}, the same
  out_seq_no and openid as before -> verify_ret: 10000 passed; 90017 / 90107 timeout; any other
  failed. A mismatched cert_hash or openid is an errcode, not a verify_ret.
- cert_hash: standard base64 of cert_type, cert_name (UTF-8) and cert_no, joined as
  `cert_type=..&cert_name=..&cert_no=..`, SHA-256, lowercase hex.
Alipay 身份验证, through `AlipayGateway` and the SDK's request classes:
- `alipay.user.certify.open.initialize` -> certify_id; `...certify` is a page request: its signed
  GET URL is what the mini-program opens (`my.startAPVerify({url, certifyId})`), never fetched here;
  `...query` -> passed "T" / "F". Initialize names no lifetime: we allow CERTIFY_TTL seconds.

Where the documentation names no code, these follow the sandbox's choices (check them against the
platforms before going live): WeChat errcode 9401001 "verify not finished" (-> pending) and 9401002
"verify_id expired" (-> timeout); Alipay `passed` "F" without `fail_reason` (-> pending; with one ->
failed) and sub_code CERTIFY_ID_EXPIRED (-> timeout). As a backstop, a refusal or an unfinished
session past the handle's `expires_at` is "timeout".
"""

import base64
import hashlib
import logging
import re
import time

from alipay.aop.api.domain.AlipayUserCertifyOpenCertifyModel import AlipayUserCertifyOpenCertifyModel
from alipay.aop.api.domain.AlipayUserCertifyOpenInitializeModel import AlipayUserCertifyOpenInitializeModel
from alipay.aop.api.domain.AlipayUserCertifyOpenQueryModel import AlipayUserCertifyOpenQueryModel
from alipay.aop.api.request.AlipayUserCertifyOpenCertifyRequest import AlipayUserCertifyOpenCertifyRequest
from alipay.aop.api.request.AlipayUserCertifyOpenInitializeRequest import AlipayUserCertifyOpenInitializeRequest
from alipay.aop.api.request.AlipayUserCertifyOpenQueryRequest import AlipayUserCertifyOpenQueryRequest
from wechatpy.exceptions import WeChatClientException

from channels import alipay, wechat
from models.errors import AppError

log = logging.getLogger(__name__)
PASSED, FAILED, TIMEOUT, PENDING = "passed", "failed", "timeout", "pending"
SEQ = re.compile(r"[0-9A-Za-z_-]{5,32}")
CERT_TYPE = "IDENTITY_CARD"


def cert_hash(cert_type: str, cert_name: str, cert_no: str) -> str:
    def b64(value: str) -> str:
        return base64.b64encode(value.encode("utf-8")).decode("ascii")

    text = f"cert_type={b64(cert_type)}&cert_name={b64(cert_name)}&cert_no={b64(cert_no)}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def refused(channel: str, details: dict) -> AppError:
    platform = {"wechat": "微信", "alipay": "支付宝"}[channel]
    return AppError(502, f"{channel}.face_refused", f"{platform}拒绝了人脸核身请求", details=details)


class FaceCheck:
    channel: str

    def __init__(self, clock=time.time):
        self._clock = clock  # for the handle's expires_at

    async def start(self, *, address: str, name: str, id_number: str, seq: str) -> dict:
        raise NotImplementedError

    async def result(self, handle: dict) -> str:
        raise NotImplementedError

    def _check_seq(self, seq: str) -> None:
        if not isinstance(seq, str) or not SEQ.fullmatch(seq):
            raise ValueError("seq must be 5-32 characters of [A-Za-z0-9_-]")

    def _over(self, handle: dict) -> bool:
        return self._clock() >= handle["expires_at"]


# Not the request's fault: quotas, and a token still refused after the platform's one refresh
# (-1 is already `unavailable` in the platform).
WECHAT_BUSY = {45009, 45011} | wechat.TOKEN_ERRORS
WECHAT_NOT_FINISHED, WECHAT_EXPIRED = 9401001, 9401002
WECHAT_PASSED, WECHAT_TIMEOUTS = 10000, {90017, 90107}


class WeChatFace(FaceCheck):
    channel = "wechat"

    def __init__(self, platform: wechat.WeChatPlatform, clock=time.time):
        super().__init__(clock)
        self.platform = platform

    async def _post(self, path: str, body: dict) -> dict:
        url = "cityservice/face/identify/" + path
        reply = await self.platform.call(lambda c: c.post(url, data=body, api_base_url=self.platform.api_base))
        if not isinstance(reply, dict):
            raise wechat.unavailable(f"{path} reply not JSON")
        return reply

    async def start(self, *, address: str, name: str, id_number: str, seq: str) -> dict:
        self._check_seq(seq)
        body = {"out_seq_no": seq, "cert_info": {"cert_type": CERT_TYPE, "cert_name": name, "cert_no": id_number},
                "openid": address}
        try:
            reply = await self._post("getverifyid", body)
        except WeChatClientException as exc:
            raise self._error(exc) from None
        verify_id, expires_in = reply.get("verify_id"), reply.get("expires_in", 3600)
        if not isinstance(verify_id, str) or not verify_id or not isinstance(expires_in, int):
            raise wechat.unavailable("getverifyid reply without verify_id")
        handle = {"verify_id": verify_id, "out_seq_no": seq, "openid": address,
                  "cert_hash": cert_hash(CERT_TYPE, name, id_number), "expires_at": self._clock() + expires_in}
        return {"handle": handle, "client": {"verify_id": verify_id}, "expires_in": expires_in}

    async def result(self, handle: dict) -> str:
        body = {k: handle[k] for k in ("verify_id", "out_seq_no", "cert_hash", "openid")}
        try:
            reply = await self._post("queryverifyinfo", body)
        except WeChatClientException as exc:
            if exc.errcode == WECHAT_NOT_FINISHED:
                return TIMEOUT if self._over(handle) else PENDING
            if exc.errcode == WECHAT_EXPIRED or (exc.errcode not in WECHAT_BUSY and self._over(handle)):
                return TIMEOUT
            raise self._error(exc) from None
        try:
            ret = int(reply["verify_ret"])
        except (KeyError, TypeError, ValueError):
            raise wechat.unavailable("queryverifyinfo reply without verify_ret") from None
        if ret == WECHAT_PASSED:
            return PASSED
        return TIMEOUT if ret in WECHAT_TIMEOUTS else FAILED

    def _error(self, exc: WeChatClientException) -> AppError:
        if exc.errcode in WECHAT_BUSY:
            return wechat.unavailable(f"errcode {exc.errcode}")
        log.warning("WeChat refused a face request: errcode %s", exc.errcode)
        return refused(self.channel, {"errcode": exc.errcode, "errmsg": exc.errmsg})


CERTIFY_TTL = 1800
ALIPAY_EXPIRED = "CERTIFY_ID_EXPIRED"


class AlipayFace(FaceCheck):
    """Alipay checks the face against the 身份证号, not the account: `address` is not sent."""

    channel = "alipay"

    def __init__(self, gateway: alipay.AlipayGateway, return_url: str | None = None, clock=time.time):
        super().__init__(clock)
        self.gateway = gateway
        # Where Alipay's H5 flow returns to: our mini-program (my.startAPVerify does not use it).
        self.return_url = return_url or f"alipays://platformapi/startapp?appId={gateway.app_id}"

    async def start(self, *, address: str, name: str, id_number: str, seq: str) -> dict:
        self._check_seq(seq)
        model = AlipayUserCertifyOpenInitializeModel()
        model.outer_order_no, model.biz_code = seq, "FACE"
        model.identity_param = {"identity_type": "CERT_INFO", "cert_type": CERT_TYPE, "cert_name": name,
                                "cert_no": id_number}
        model.merchant_config = {"return_url": self.return_url}
        reply = await self.gateway.call(AlipayUserCertifyOpenInitializeRequest(biz_model=model))
        certify_id = reply.get("certify_id")
        if reply.get("code") != "10000" or not isinstance(certify_id, str) or not certify_id:
            raise self._error(reply)
        page = AlipayUserCertifyOpenCertifyModel()
        page.certify_id = certify_id
        url = await self.gateway.page_url(AlipayUserCertifyOpenCertifyRequest(biz_model=page))
        handle = {"certify_id": certify_id, "expires_at": self._clock() + CERTIFY_TTL}
        return {"handle": handle, "client": {"certify_id": certify_id, "url": url}, "expires_in": CERTIFY_TTL}

    async def result(self, handle: dict) -> str:
        model = AlipayUserCertifyOpenQueryModel()
        model.certify_id = handle["certify_id"]
        reply = await self.gateway.call(AlipayUserCertifyOpenQueryRequest(biz_model=model))
        if reply.get("code") == "10000":
            passed = reply.get("passed")
            if passed == "T":
                return PASSED
            if passed != "F":
                raise alipay.unavailable("query reply without passed")
            if reply.get("fail_reason"):
                return FAILED
            return TIMEOUT if self._over(handle) else PENDING
        if reply.get("sub_code") == ALIPAY_EXPIRED or (not self._busy(reply) and self._over(handle)):
            return TIMEOUT
        raise self._error(reply)

    @staticmethod
    def _busy(reply: dict) -> bool:
        return reply.get("code") == "20000" or str(reply.get("sub_code", "")).startswith("isp.")

    def _error(self, reply: dict) -> AppError:
        if self._busy(reply) or reply.get("code") in (None, "10000") or reply.get("verified") is False:
            return alipay.unavailable(str(reply.get("sub_code") or "reply without certify_id"))
        log.warning("Alipay refused a face request: %s", reply.get("sub_code"))
        return refused(self.channel, {"sub_code": reply.get("sub_code"), "sub_msg": reply.get("sub_msg")})
