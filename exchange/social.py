"""The social-security bureau (人社局): 参保信息, 缴费记录 by year, 养老金发放, 社保卡状态, 职业技能证书."""

from exchange.base import Department


class SocialSecurity(Department):
    name = "rsj"
    title = "社保系统"

    async def insured(self, id_number: str) -> dict:
        return await self.call("insured", {"id_number": id_number})

    async def contributions(self, id_number: str, year: int) -> dict:
        return await self.call("contributions", {"id_number": id_number, "year": year})

    async def pension(self, id_number: str) -> dict:
        return await self.call("pension", {"id_number": id_number})

    async def card(self, id_number: str) -> dict:
        return await self.call("card", {"id_number": id_number})

    async def certificates(self, id_number: str, cert_no: str | None = None) -> dict:
        body = {"id_number": id_number} if cert_no is None else {"id_number": id_number, "cert_no": cert_no}
        return await self.call("certificates", body)
