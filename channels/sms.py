"""SMS through Aliyun's dysmsapi SDK (synchronous: run in the executor with a timeout)."""

import asyncio
import json
import logging

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_util import models as util_models

from models.errors import AppError

log = logging.getLogger(__name__)
# The SDK's HTTP layer (urllib3) logs every request URL at DEBUG, and SendSms puts the phone
# number in the URL: keep that logger above DEBUG so no phone number reaches the logs.
logging.getLogger("urllib3").setLevel(logging.INFO)


def unavailable(detail: str, code: str | None = None, status: int | None = None) -> AppError:
    details = {"reason": detail, **({"code": code} if code else {}), **({"status": status} if status else {})}
    return AppError(503, "sms.unavailable", "短信服务暂时不可用，请稍后再试", details=details,
                    headers={"Retry-After": "30"})


# isv.BUSINESS_LIMIT_CONTROL's message names the window of the per-phone limit it hit
LIMIT_WINDOWS = {"分钟": 60, "小时": 3600, "天": 86400}


def limit_wait(message: str | None) -> int:
    """Seconds until a per-phone limit lets the next message through (Aliyun's message says which)."""
    return next((seconds for word, seconds in LIMIT_WINDOWS.items() if f"{word}级" in (message or "")), 60)


class AliyunSms:
    def __init__(self, *, endpoint: str, access_key_id: str, access_key_secret: str, sign_name: str, executor,
                 timeout: float = 5.0):
        protocol = "HTTP" if endpoint.startswith(("127.", "localhost")) else "HTTPS"
        config = openapi_models.Config(access_key_id=access_key_id, access_key_secret=access_key_secret,
                                       endpoint=endpoint, protocol=protocol)
        self._client = Client(config)
        self._runtime = util_models.RuntimeOptions(connect_timeout=int(timeout * 1000),
                                                   read_timeout=int(timeout * 1000), autoretry=False)
        self.sign_name, self.executor, self.timeout = sign_name, executor, timeout

    async def send(self, phone: str, template: str, params: dict) -> str | None:
        """Send one message; returns Aliyun's BizId (QuerySendDetails finds the message by it)."""
        request = sms_models.SendSmsRequest(phone_numbers=phone, sign_name=self.sign_name, template_code=template,
                                            template_param=json.dumps(params, ensure_ascii=False))
        loop = asyncio.get_running_loop()
        try:
            reply = await asyncio.wait_for(loop.run_in_executor(
                self.executor, self._client.send_sms_with_options, request, self._runtime), self.timeout + 1)
        except TimeoutError:
            raise unavailable("timeout") from None
        except Exception as exc:  # the Tea SDK raises its own exception types for HTTP and network errors
            code = getattr(exc, "code", None)  # an HTTP 4xx names its reason (SignatureNonceUsed, ...)
            log.warning("SMS send failed: %s %s", type(exc).__name__, code or "")
            status = getattr(exc, "status_code", None)
            raise unavailable(type(exc).__name__, code if isinstance(code, str) else None,
                              status if isinstance(status, int) else None) from None
        body = reply.body
        if body is None or body.code != "OK":
            code, message = getattr(body, "code", None), getattr(body, "message", None)
            log.warning("SMS gateway refused: %s %s", code, message or "")
            if code == "isv.MOBILE_NUMBER_ILLEGAL":
                raise AppError(422, "sms.bad_phone", "该手机号无法接收短信", details={"code": code})
            if code == "isv.BUSINESS_LIMIT_CONTROL":
                wait = limit_wait(message)
                raise AppError(429, "sms.rate_limited", "短信发送过于频繁，请稍后再试",
                               details={"code": code, "retry_after": wait}, headers={"Retry-After": str(wait)})
            raise unavailable(code or "no body", code)
        return body.biz_id

    async def query(self, phone: str, biz_id: str, send_date: str) -> list[dict]:
        """QuerySendDetails of one message (its BizId, to `phone`, sent on `send_date`, yyyyMMdd
        Beijing): the reports Aliyun has, as dicts of its fields (SendStatus 1 waiting, 2 failed,
        3 delivered; ErrCode; ReceiveDate). Raises `unavailable` when Aliyun cannot answer."""
        request = sms_models.QuerySendDetailsRequest(phone_number=phone, biz_id=biz_id, send_date=send_date,
                                                     page_size=10, current_page=1)
        loop = asyncio.get_running_loop()
        try:
            reply = await asyncio.wait_for(loop.run_in_executor(
                self.executor, self._client.query_send_details_with_options, request, self._runtime), self.timeout + 1)
        except TimeoutError:
            raise unavailable("timeout") from None
        except Exception as exc:  # the Tea SDK's own exception types
            code = getattr(exc, "code", None)
            raise unavailable(type(exc).__name__, code if isinstance(code, str) else None) from None
        body = reply.body
        if body is None or body.code != "OK":
            raise unavailable(getattr(body, "code", None) or "no body", getattr(body, "code", None))
        found = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else None
        return [{"SendStatus": d.send_status, "ErrCode": d.err_code, "ReceiveDate": d.receive_date}
                for d in found or []]
