"""The traffic police (交警支队): vehicle ownership, 机动车违法, 驾驶证状态与记分, 机动车检验有效期."""

from exchange.base import Department


class TrafficPolice(Department):
    name = "jj"
    title = "交管系统"

    async def owns(self, plate: str, engine_tail: str, id_number: str) -> bool:
        return bool((await self.call("vehicle-check", {"plate": plate, "engine_tail": engine_tail,
                                                       "id_number": id_number})).get("match"))

    async def violations(self, plate: str, engine_tail: str, plate_type: str | None = None) -> dict:
        return await self.call("violations", _vehicle(plate, engine_tail, plate_type))

    async def licence(self, id_number: str) -> dict:
        return await self.call("licence", {"id_number": id_number})

    async def inspection(self, plate: str, engine_tail: str, plate_type: str | None = None) -> dict:
        return await self.call("inspection", _vehicle(plate, engine_tail, plate_type))

    # look-ups for field inspectors
    async def vehicle(self, plate: str) -> dict:
        return await self.call("vehicle", {"plate": plate})

    async def driver(self, licence_no: str) -> dict:
        return await self.call("driver", {"licence_no": licence_no})


def _vehicle(plate: str, engine_tail: str, plate_type: str | None) -> dict:
    """A vehicle as 12123 names it: 号牌种类 (when given), 号牌号码 and the engine number's last six;
    all must be the register's (else 40301)."""
    body = {"plate": plate, "engine_tail": engine_tail}
    return body if plate_type is None else {**body, "plate_type": plate_type}
