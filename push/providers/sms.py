"""SMS for important events, when no other channel reached the resident (Aliyun's SMS SDK)."""

from models.errors import AppError
from push.providers.base import PermanentFailure, Provider, TemporaryFailure
from push.templates import fit


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
            await self.sms.send(to, self.template, params)
        except AppError as exc:
            if exc.status == 422:  # the gateway will never deliver to this number
                raise PermanentFailure(exc.code) from None
            raise TemporaryFailure(exc.code) from None
        return "OK"
