"""The in-app inbox: always written, whatever else reaches the resident. A new message is also
published on Redis, so every app process can pass it to the resident's open WebSockets."""

import json
import logging

from pymongo.errors import DuplicateKeyError

from push.providers.base import Provider

log = logging.getLogger(__name__)
LIVE_CHANNEL = "push:live"


class InboxProvider(Provider):
    name = "inbox"

    def __init__(self, db, redis=None):
        self.db, self.redis = db, redis

    async def recipient(self, resident: dict, note: dict):
        return str(resident["_id"])

    async def _send(self, to, resident: dict, note: dict):
        doc = {"owner": to, "event_id": note["_id"], "title": note["title"], "body": note["body"],
               "number": note["number"], "at": note["at"].isoformat(), "read": False}
        try:
            result = await self.db.inbox.insert_one(doc)
        except DuplicateKeyError:  # written by an earlier attempt
            return "duplicate"
        if self.redis is not None:
            live = {"owner": to, "message": {"id": str(result.inserted_id), "type": note["type"],
                                             **{k: doc[k] for k in ("title", "body", "number", "at")}}}
            try:
                await self.redis.publish(LIVE_CHANNEL, json.dumps(live, ensure_ascii=False))
            except Exception as exc:  # live is best effort: the inbox already holds it
                log.warning("live publish failed: %s", exc)
        return str(result.inserted_id)
