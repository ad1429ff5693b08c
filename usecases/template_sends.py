"""Preview and test-send of a message template (the console's 消息模板): a sample event rendered
into the exact `data` payload, with what breaks the keys' rules; a test-send through the
channel's own provider, so to the sandbox in the demo and to the platform in production."""

import datetime as dt
import uuid

from models import audit, message_templates
from models.errors import AppError
from push.providers.alipay import AlipayTemplateProvider
from push.providers.wechat import WeChatSubscribeProvider
from push.templates import render, values


def sample_note(event: dict) -> dict:
    """A notification as the worker makes one, for a sample event."""
    title, body, phrase = render(event)
    return {"_id": f"test-{uuid.uuid4().hex[:16]}", "type": event["type"], "item_name": event["item_name"],
            "number": event["number"], "at": event.get("at") or dt.datetime.now(dt.UTC),
            "title": title, "body": body, "phrase": phrase}


def preview(template: dict, note: dict) -> dict:
    data, problems = message_templates.render(template, values(note))
    return {"template_id": template["template_id"], "data": data, "problems": problems,
            "page": f"{template['page']}?number={note['number']}&event={note['_id']}"}


def _provider(db, template: dict, login):
    """`login`: the channel's login adapter, which holds its platform client (None: channel off)."""
    if login is None:
        raise AppError(409, "message_template.channel_off", "该渠道未接入，无法试发送")
    only = message_templates.TemplateSet.only(template)
    if template["channel"] == "wechat":
        return WeChatSubscribeProvider(db, login.platform, only)
    return AlipayTemplateProvider(db, login.gateway, only)


async def test_send(db, template: dict, to: str, event: dict, actor: dict, *, login) -> dict:
    """Send one message of `event` to `to` (an openid; Alipay: a user_id or open_id) with this
    template, whatever event types it is registered for; the outcome as a delivery records it."""
    provider = _provider(db, template, login)
    note = sample_note(event)
    shown = preview(template, note)
    resident = {"_id": f"test-send:{actor['username']}",
                "channels": [{"channel": template["channel"], "subject": to, "address": to}]}
    outcome = await provider.send(resident, note, {"_id": note["_id"]}, None)
    await audit.record(db, actor=actor["username"], role=actor["role"], action="message_template.test_send",
                       target=f"message_template:{template['channel']}:{template['template_id']}",
                       details={"to": to, "event": event["type"], "status": outcome["status"],
                                "reason": outcome.get("reason")})
    return {**shown, "status": outcome["status"], "reason": outcome.get("reason"),
            "receipt": outcome.get("message_id")}
