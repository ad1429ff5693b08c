"""The receipts poller, run by the push worker's loop (push/worker.py `run`): JPush and Aliyun SMS
report delivery only when asked, so their messages still `accepted` and younger than the
platform's reporting window are asked about, each at most once per `recheck` seconds.

- JPush: `/v3/received/detail`, 100 msg_ids a call; a message some device received is delivered.
  JPush reports no failures: an unreceived push stays accepted.
- SMS: QuerySendDetails, one call per (BizId, phone, send date); the phone is the resident's,
  decrypted for the call only. SendStatus 3 → delivered, 2 → permanent-failure, 1 → ask again.

Messages with no receipt when their window closes stay `accepted` ("no receipt"). WeChat pushes
its receipts (handlers/wechat_events.py); Alipay has none. Every call goes through Tornado's
client or the SMS client's executor, never an SDK call on the loop."""

import asyncio
import dataclasses
import datetime as dt
import logging

from models import deliveries, receipts, residents
from models.clock import BEIJING, now
from models.errors import AppError
from push.providers.base import PermanentFailure, TemporaryFailure, UnknownFailure

log = logging.getLogger(__name__)
# how long each platform can report on a message: Aliyun keeps SMS reports 72 h; a JPush
# message lives a day offline (its TTL), so a later first receipt is not worth the calls
WINDOWS = {"app": dt.timedelta(days=1), "sms": dt.timedelta(hours=72)}
JPUSH_BATCH = 100


def _beijing(text: str | None) -> dt.datetime | None:
    """Aliyun's "yyyy-MM-dd HH:mm:ss" (Beijing time) as UTC."""
    try:
        return dt.datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(dt.UTC)
    except ValueError:
        return None


@dataclasses.dataclass
class Poller:
    db: object
    providers: dict  # the worker's providers: "app" (JPush) and "sms" are asked about
    recheck: float = 60.0
    limit: int = 1000  # messages per channel per look
    concurrency: int = 8  # SMS queries in flight at once (each holds an SDK thread)

    async def run_once(self) -> int:
        """One look at each channel; returns how many receipts changed a delivery."""
        applied = 0
        if "app" in self.providers:
            applied += await self._jpush(self.providers["app"])
        if "sms" in self.providers:
            applied += await self._sms(self.providers["sms"])
        return applied

    async def _waiting(self, provider: str) -> list[dict]:
        at = now()
        found = await deliveries.awaiting_receipt(self.db, provider, at - WINDOWS[provider],
                                                  at - dt.timedelta(seconds=self.recheck), self.limit)
        return [d for d in found if d.get("message_id")]

    async def _jpush(self, jpush) -> int:
        waiting, applied = await self._waiting("app"), 0
        for start in range(0, len(waiting), JPUSH_BATCH):
            batch = waiting[start:start + JPUSH_BATCH]
            try:
                got = await jpush.received([d["message_id"] for d in batch])
            except (TemporaryFailure, PermanentFailure, UnknownFailure) as exc:
                log.warning("jpush received report unavailable: %s", exc)
                return applied  # the next look asks again
            for d in batch:
                if d["message_id"] in got:
                    applied += await receipts.record(self.db, "app", d["message_id"], "delivered")
            await deliveries.checked(self.db, [d["_id"] for d in batch])
        return applied

    async def _sms(self, sms) -> int:
        waiting = await self._waiting("sms")
        if not waiting:
            return 0
        people = await residents.get_many(self.db, {d["owner"] for d in waiting})
        gate = asyncio.Semaphore(self.concurrency)

        async def one(d: dict) -> int:
            resident = people.get(d["owner"])
            phone = sms.address(resident, None) if resident else None
            if phone is None:  # gone, or no phone any more: nothing to ask with
                return 0
            day = d["finished_at"].astimezone(BEIJING).strftime("%Y%m%d")
            async with gate:
                try:
                    reports = await sms.sms.query(phone, d["message_id"], day)
                except AppError as exc:
                    log.warning("sms QuerySendDetails unavailable: %s", (exc.details or {}).get("reason", exc.code))
                    return 0
            final = next((r for r in reports if r.get("SendStatus") in (2, 3)), None)
            if final is None:  # 1: the carrier has not reported yet
                return 0
            at = _beijing(final.get("ReceiveDate"))
            if final["SendStatus"] == 3:
                return await receipts.record(self.db, "sms", d["message_id"], "delivered", at=at)
            return await receipts.record(self.db, "sms", d["message_id"], "permanent-failure", at=at,
                                         reason=f"sms-report {final.get('ErrCode') or 'failed'}")

        applied = sum(await asyncio.gather(*(one(d) for d in waiting)))
        await deliveries.checked(self.db, [d["_id"] for d in waiting])
        return applied
