"""What the mini-program channels share (WeChat subscribe messages, Alipay template messages):
the operators' templates of the channel (models/message_templates), read again before a batch
when one changed; the template of each event type, whose quota the message uses; and the exact
`data` it sends, refused here when a value breaks its key's rules (the platform would refuse the
whole message: WeChat 47003)."""

from models import message_templates
from push.providers.base import PermanentFailure, Provider
from push.templates import values


class TemplateProvider(Provider):
    def __init__(self, db, templates: message_templates.TemplateSet | None = None):
        self.db = db
        self.templates = templates  # None until the first refresh

    async def refresh(self) -> None:
        self.templates = await message_templates.current(self.db, self.name, self.templates)

    def template_for(self, note: dict) -> dict | None:
        return self.templates.for_event(note["type"]) if self.templates else None

    def quota_for(self, note: dict) -> str | None:
        template = self.template_for(note)
        return template["template_id"] if template else None

    def eligible(self, resident: dict, reach, event: dict) -> bool:
        return self.template_for(event) is not None and super().eligible(resident, reach, event)

    def payload(self, note: dict) -> tuple[dict, dict, str]:
        """(template, data, page) of this event's message."""
        template = self.template_for(note)
        if template is None:  # unregistered since the message was planned
            raise PermanentFailure("no-template")
        data, problems = message_templates.render(template, values(note))
        if problems:  # never spend a request the platform refuses
            raise PermanentFailure("invalid-data: " + "; ".join(f"{k} {why}" for k, why in problems.items()))
        return template, data, f"{template['page']}?number={note['number']}&event={note['_id']}"
