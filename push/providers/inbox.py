"""The in-app inbox: always written, whatever else reaches the resident. New messages are also
published on Redis, so every app process can pass them to the resident's open WebSockets."""

import datetime as dt
import json
import logging

from models import inbox
from push.providers.base import Provider

log = logging.getLogger(__name__)


class InboxProvider(Provider):
    name = "inbox"

    def __init__(self, db, redis=None):
        self.db, self.redis = db, redis

    def address(self, resident: dict, reach):
        return str(resident["_id"])

    async def _send_many(self, jobs) -> list[dict]:
        """One write for the whole batch; the event id is the message id, so a repeat is a no-op."""
        at = dt.datetime.now(dt.UTC)
        messages = [{"_id": note["_id"], "owner": str(resident["_id"]), "title": note["title"], "body": note["body"],
                     "number": note["number"], "at": note["at"].isoformat(), "created_at": at, "read": False}
                    for resident, note, _, _ in jobs]
        await inbox.write_many(self.db, messages)
        if self.redis is not None:
            await self._publish(messages, {note["_id"]: note["type"] for _, note, _, _ in jobs})
        return [{"status": "delivered", "message_id": m["_id"]} for m in messages]  # our own store: no receipt to wait for

    async def _publish(self, messages: list[dict], types: dict) -> None:
        live = [{"owner": m["owner"], "message": {"id": m["_id"], "type": types[m["_id"]],
                                                  **{k: m[k] for k in ("title", "body", "number", "at")}}}
                for m in messages]
        try:  # one publish per batch; every app process picks out its own residents' messages
            await self.redis.publish(inbox.LIVE_CHANNEL, json.dumps(live, ensure_ascii=False))
        except Exception as exc:  # live is best effort: the inbox already holds them
            log.warning("live publish failed: %s", exc)
