"""The identity register (公安人口库 through the data-sharing exchange): does this name match this 身份证号?"""

import json

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from models.errors import AppError


def unavailable() -> AppError:
    return AppError(503, "exchange.unavailable", "身份核验系统繁忙，请稍后再试", headers={"Retry-After": "10"})


class IdentityRegister:
    def __init__(self, api_base: str, timeout: float = 5.0):
        self.api_base, self.timeout = api_base, timeout

    async def verify(self, name: str, id_number: str) -> None:
        """Return when the register confirms the pair; raise 422 when it does not, 503 when it cannot say."""
        try:
            response = await AsyncHTTPClient().fetch(
                self.api_base + "verify", method="POST", headers={"Content-Type": "application/json"},
                body=json.dumps({"name": name, "id_number": id_number}), request_timeout=self.timeout)
            result = json.loads(response.body).get("result")
        except (HTTPClientError, OSError, ValueError, AttributeError):
            raise unavailable() from None
        if result == "match":
            return
        if result in ("mismatch", "not_found"):
            raise AppError(422, "realname.mismatch", "姓名与身份证号码不一致，请核对后重试")
        raise unavailable()
