"""The in-app inbox: always written, whatever else reaches the resident."""

from pymongo.errors import DuplicateKeyError

from push.providers.base import Provider


class InboxProvider(Provider):
    name = "inbox"

    def __init__(self, db):
        self.db = db

    async def _send(self, message: dict):
        doc = {"owner": message["owner"], "event_id": message["event_id"], "title": message["title"],
               "body": message["body"], "number": message["number"], "at": message["at"], "read": False}
        try:
            result = await self.db.inbox.insert_one(doc)
            return str(result.inserted_id)
        except DuplicateKeyError:  # already written by an earlier attempt
            return "duplicate"
