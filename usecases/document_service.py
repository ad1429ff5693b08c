"""电子送达 of a 当场行政处罚决定书 (行政处罚法 第六十一条: by electronic means, with the party's
consent): an SMS to the phone the party gave, carrying a link that opens the document. The
document is issued whatever the SMS does; a failed SMS is recorded and can be sent again."""

from models import clock, documents
from models.errors import AppError


async def send(db, document: dict, *, pii, sms, template: str) -> dict:
    """Send (or send again) the document's SMS; the document with the outcome. Each send makes a
    new link and retires the last one. The template (approved by the SMS platform) holds the
    link's fixed address (`PUBLIC_URL` + `/s/`); only the token and the number are variables."""
    token = await documents.open_service_link(db, document)
    phone = pii.decrypt(document["service_phone"])
    try:
        biz_id = await sms.send(phone, template, {"number": document["number"], "code": token})
        outcome = {"status": "sent", "at": clock.now_ms(), "biz_id": biz_id}
    except AppError as exc:  # the gateway refused or is down: the inspector sees it and may retry
        outcome = {"status": "failed", "at": clock.now_ms(), "reason": (exc.details or {}).get("code") or exc.code}
    return await documents.record_sms(db, document["_id"], outcome)
