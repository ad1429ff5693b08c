"""The social-security bureau (人社局): 参保信息, 缴费记录 by year, 养老金发放, 社保卡状态, 职业技能证书."""

from exchange.base import Department
from models.queries import INSURANCE_CODES


class SocialSecurity(Department):
    name = "rsj"
    title = "社保系统"

    async def insured(self, id_number: str) -> dict:
        return await self.call("insured", {"id_number": id_number})

    async def contributions(self, id_number: str, year: int | None = None, *, start_year: int | None = None,
                            end_year: int | None = None, insurance: str | None = None) -> dict:
        """A year's records, or a range's (`end_year`, from `start_year` or the first insured year: the
        bureau answers at most ten years, none before the first); `insurance` narrows to one 险种."""
        body = {"id_number": id_number, "year": year, "start_year": start_year, "end_year": end_year,
                "insurance_type": INSURANCE_CODES.get(insurance or "")}
        return await self.call("contributions", {k: v for k, v in body.items() if v is not None})

    async def pension(self, id_number: str, year: int | None = None) -> dict:
        """The last 12 payments, or a year's."""
        body = {"id_number": id_number} if year is None else {"id_number": id_number, "year": year}
        return await self.call("pension", body)

    async def card(self, id_number: str) -> dict:
        return await self.call("card", {"id_number": id_number})

    async def certificates(self, id_number: str, cert_no: str | None = None) -> dict:
        body = {"id_number": id_number} if cert_no is None else {"id_number": id_number, "cert_no": cert_no}
        return await self.call("certificates", body)
