"""SMS for important events, when no other channel reached the resident (Aliyun's SMS SDK).
Aliyun's codes (SendSms 错误码) are classified as push/failures.py says."""

from models.errors import AppError
from push import failures
from push.providers.base import PermanentFailure, Provider, TemporaryFailure, UnknownFailure
from push.templates import fit

# code -> cause of a refusal that no retry changes
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL": "recipient", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": "recipient",
    "isv.SMS_TEMPLATE_ILLEGAL": "config", "isv.SMS_SIGNATURE_ILLEGAL": "config", "isv.SMS_SIGN_ILLEGAL": "config",
    "isv.ACCOUNT_NOT_EXISTS": "config", "isv.ACCOUNT_ABNORMAL": "config", "isp.RAM_PERMISSION_DENY": "config",
    "SignatureDoesNotMatch": "config", "InvalidAccessKeyId.NotFound": "config", "IncompleteSignature": "config",
    "InvalidTimeStamp.Expired": "config",  # our clock is off by more than 15 minutes
    "isv.AMOUNT_NOT_ENOUGH": "quota", "isv.OUT_OF_SERVICE": "quota", "isv.DAY_LIMIT_CONTROL": "quota",
    "isv.PARAM_LENGTH_LIMIT": "content", "isv.INVALID_JSON_PARAM": "content", "isv.INVALID_PARAMETERS": "content",
    "isv.TEMPLATE_MISSING_PARAMETERS": "content", "isv.BLACK_KEY_CONTROL_LIMIT": "content",
}
# worth another try: Aliyun's own trouble, a replayed nonce (the SDK makes a new one), throttling
TEMPORARY = {"isp.SYSTEM_ERROR", "SignatureNonceUsed", "Throttling", "Throttling.User", "ServiceUnavailable"}


class SmsProvider(Provider):
    name = "sms"

    def __init__(self, sms, pii, template: str):
        self.sms, self.pii, self.template = sms, pii, template

    def address(self, resident: dict, reach):
        phone = resident.get("phone")
        return self.pii.decrypt(phone["enc"]) if phone and phone.get("enc") else None

    async def _send(self, to, resident: dict, note: dict, delivery: dict):
        params = {"item": fit(note["item_name"], 20), "number": note["number"], "status": note["phrase"]}
        try:
            biz_id = await self.sms.send(to, self.template, params)
        except AppError as exc:
            raise classify(exc) from None
        return biz_id  # QuerySendDetails reports its fate (push/receipts.py)


def classify(exc: AppError) -> Exception:
    """channels/sms.py's error as a push failure, by Aliyun's code."""
    details = exc.details or {}
    code = details.get("code")
    if code == "isv.BUSINESS_LIMIT_CONTROL":  # this phone's limit: an hour at most is worth waiting
        wait = details.get("retry_after", 60)
        if wait >= 86400:
            return PermanentFailure(f"{code} (a day's limit for this phone)", cause="recipient", code=code)
        return TemporaryFailure(f"{code} ({wait} s)", not_before=failures.after(wait))
    if code in PERMANENT:
        return PermanentFailure(code, cause=PERMANENT[code], code=code)
    if code is None or code in TEMPORARY or details.get("status", 0) >= 500:  # no answer, or Aliyun's trouble
        return TemporaryFailure(details.get("reason") or exc.code)
    return UnknownFailure(code)
