"""Native app login: phone number plus a one-time SMS code."""

from channels.base import Identity, LoginChannel


class AppOtpLogin(LoginChannel):
    name = "app"

    def __init__(self, otp, pii):
        self.otp, self.pii = otp, pii

    async def authenticate(self, payload: dict) -> Identity:
        await self.otp.check(payload["phone"], payload["otp"])
        return Identity("app", self.pii.lookup("phone", payload["phone"]), phone=payload["phone"])
