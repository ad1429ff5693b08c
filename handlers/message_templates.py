"""Message templates of the mini-program channels: operators register, edit, preview and
test-send them (models/message_templates.py)."""

from marshmallow import Schema, fields

from api.auth import require_roles
from api.base import BaseHandler
from models import message_templates
from models.message_templates import (
    CHANNELS,
    PreviewSchema,
    RenderedSchema,
    TemplateInSchema,
    TemplateOutSchema,
    TestSendResultSchema,
    TestSendSchema,
)
from usecases import template_sends

ID = r"(?P<template_id>[0-9a-f]{24})"


class TemplateListSchema(Schema):
    templates = fields.List(fields.Nested(TemplateOutSchema))


class MessageTemplatesHandler(BaseHandler):
    @require_roles("operator")
    async def get(self):
        """Registered templates, by channel then registration.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: channel, schema: {type: string, enum: [wechat, alipay]}}
        responses:
          200: {description: "templates", content: {application/json: {schema: TemplateListSchema}}}
        """
        docs = await message_templates.list_templates(self.deps.db, self.query_arg("channel", choices=CHANNELS))
        self.send(TemplateListSchema().dump({"templates": docs}))

    @require_roles("operator")
    async def post(self):
        """Register a template: its id and keys as the platform shows them, which event field fills
        each key, and the event types sent with it (each at most once per channel).
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: TemplateInSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: TemplateOutSchema}}}
          409: {description: "the channel already has this template id"}
          422: {description: "field errors (keys not named by their type, a fixed text breaking its type, an event
                another template sends)"}
        """
        data = self.load(TemplateInSchema())
        doc = await message_templates.create(self.deps.db, data, self.actor())
        self.send_versioned(TemplateOutSchema(), doc, 201)


class MessageTemplateHandler(BaseHandler):
    @require_roles("operator")
    async def get(self, template_id):
        """One template.
        ---
        tags: [admin]
        responses:
          200: {description: "OK", content: {application/json: {schema: TemplateOutSchema}}}
          404: {description: "no such template"}
        """
        doc = await message_templates.get(self.deps.db, template_id)
        self.send_versioned(TemplateOutSchema(), doc)

    @require_roles("operator")
    async def put(self, template_id):
        """Replace a template; If-Match carries the version you edited (409 when someone changed it first).
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string}}
        requestBody:
          content: {application/json: {schema: TemplateInSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TemplateOutSchema}}}
          409: {description: "stale version (details.current_version), or the template id is taken"}
          422: {description: "field errors"}
        """
        version = self.if_match_version()
        data = self.load(TemplateInSchema())
        doc = await message_templates.update(self.deps.db, template_id, data, version, self.actor())
        self.send_versioned(TemplateOutSchema(), doc)

    @require_roles("operator")
    async def delete(self, template_id):
        """Remove a template: its events are no longer sent on this channel (the next channel is tried).
        ---
        tags: [admin]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string}}
        responses:
          204: {description: "removed"}
          409: {description: "stale version"}
        """
        version = self.if_match_version()
        await message_templates.delete(self.deps.db, template_id, version, self.actor())
        self.no_content()


class PreviewHandler(BaseHandler):
    @require_roles("operator")
    async def post(self):
        """Render a sample event (type, item name, number, time; each has a default) with a template
        as edited, saved or not: the exact `data` payload and page, and `problems`, the keys whose
        values break their type's rules (such a message is not sent).
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: PreviewSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: RenderedSchema}}}
          422: {description: "the template or the event has field errors"}
        """
        body = self.load(PreviewSchema())
        shown = template_sends.preview(body["template"], template_sends.sample_note(body["event"]))
        self.send(RenderedSchema().dump(shown))


class TestSendHandler(BaseHandler):
    @require_roles("operator")
    async def post(self, template_id):
        """Send one message of a sample event with this template to `to` (a WeChat openid of the
        mini-program; Alipay: a user_id or open_id), through the channel as the push worker does: to
        the sandbox in the demo, to the platform in production. The user needs quota for the
        template there. Answers the outcome (a refusal is `permanent-failure` with its reason).
        ---
        tags: [admin]
        requestBody:
          content: {application/json: {schema: TestSendSchema}}
        responses:
          200: {description: "the outcome", content: {application/json: {schema: TestSendResultSchema}}}
          409: {description: "the channel is not connected in this deployment"}
        """
        body = self.load(TestSendSchema())
        doc = await message_templates.get(self.deps.db, template_id)
        result = await template_sends.test_send(self.deps.db, doc, body["to"], body["event"], self.actor(),
                                                login=self.deps.logins.get(doc["channel"]))
        self.send(TestSendResultSchema().dump(result))


default_handlers = [
    (r"/api/v1/admin/message-templates", MessageTemplatesHandler),
    (r"/api/v1/admin/message-templates/preview", PreviewHandler),
    (rf"/api/v1/admin/message-templates/{ID}", MessageTemplateHandler),
    (rf"/api/v1/admin/message-templates/{ID}/test-send", TestSendHandler),
]
