"""The transport bureau (运管): road-transport business licences (道路运输经营许可证)."""

from exchange.base import Department


class Transport(Department):
    name = "ysj"
    title = "运管系统"

    async def business(self, licence_no: str) -> dict:
        return await self.call("business", {"licence_no": licence_no})
