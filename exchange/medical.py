"""The medical-insurance bureau (医保局): 职工医保个人账户 balance and its yearly 收支明细."""

from exchange.base import Department


class MedicalInsurance(Department):
    name = "ybj"
    title = "医保系统"

    async def account(self, id_number: str) -> dict:
        return await self.call("account", {"id_number": id_number})

    async def account_records(self, id_number: str, year: int) -> dict:
        return await self.call("records", {"id_number": id_number, "year": year})
