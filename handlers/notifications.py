"""What the resident agreed to receive: subscribe-message quotas, JPush devices, preferences."""

from api.auth import require_roles
from api.base import BaseHandler
from models import message_templates, subscriptions
from models.errors import NotFound
from models.message_templates import CHANNELS
from models.subscriptions import (
    DeviceSchema,
    DeviceViewSchema,
    PreferencesSchema,
    SubscriptionsSchema,
    SubscriptionViewSchema,
)


class SubscriptionsHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """The resident's subscribe-message quotas per channel and template, and `templates`: the
        ones this channel's mini-program should ask for (`tmplIds` / `entityIds`): the templates
        operators registered that send something (`[{id, kind, title}]`), so the client never
        carries its own copy of the server's template ids.
        ---
        tags: [notifications]
        responses:
          200: {description: "subscriptions and the channel's templates"}
        """
        docs = await subscriptions.listing(self.deps.db, await self.resident_id())
        channel = self.current_claims()["aud"]
        templates = await message_templates.requested(self.deps.db, channel) if channel in CHANNELS else []
        self.send({"subscriptions": SubscriptionViewSchema(many=True).dump(docs), "templates": templates})

    @require_roles(kind="resident")
    async def post(self):
        """Record what the resident accepted in wx.requestSubscribeMessage / my.requestSubscribeMessage:
        each one-time accept allows one message; long-term has no count. Send only the accepted
        templates (not the rejected or banned ones).
        ---
        tags: [notifications]
        requestBody:
          content: {application/json: {schema: SubscriptionsSchema}}
        responses:
          200: {description: "all subscriptions after the change"}
          422: {description: "bad channel, template or kind"}
        """
        body = self.load(SubscriptionsSchema())
        docs = await subscriptions.accept(self.deps.db, await self.resident_id(), body["channel"], body["accepted"])
        self.send({"subscriptions": SubscriptionViewSchema(many=True).dump(docs)})


class DevicesHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """The resident's JPush devices.
        ---
        tags: [notifications]
        responses:
          200: {description: "devices"}
        """
        docs = await subscriptions.devices(self.deps.db, await self.resident_id())
        self.send({"devices": DeviceViewSchema(many=True).dump(docs)})

    @require_roles(kind="resident")
    async def post(self):
        """Register the app's JPush registration id (again after a reinstall: it moves to this resident).
        ---
        tags: [notifications]
        requestBody:
          content: {application/json: {schema: DeviceSchema}}
        responses:
          200: {description: "the device"}
          422: {description: "bad registration id or platform"}
        """
        body = self.load(DeviceSchema())
        doc = await subscriptions.register_device(self.deps.db, await self.resident_id(), body["registration_id"],
                                                  body["platform"])
        self.send(DeviceViewSchema().dump(doc))


class DeviceHandler(BaseHandler):
    @require_roles(kind="resident")
    async def delete(self, registration_id):
        """Stop pushing to this device (logout on the phone).
        ---
        tags: [notifications]
        responses:
          204: {description: "removed"}
          404: {description: "not your device"}
        """
        if not await subscriptions.remove_device(self.deps.db, await self.resident_id(), registration_id):
            raise NotFound("device.not_found", "设备不存在")
        self.no_content()


class PreferencesHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """Notification preferences: the channel to try first (null: the one the application came
        from) and whether important events may fall back to SMS.
        ---
        tags: [notifications]
        responses:
          200: {description: "preferences", content: {application/json: {schema: PreferencesSchema}}}
        """
        self.send(await subscriptions.preferences(self.deps.db, await self.resident_id()))

    @require_roles(kind="resident")
    async def put(self):
        """Replace the preferences (omitted fields take their defaults).
        ---
        tags: [notifications]
        requestBody:
          content: {application/json: {schema: PreferencesSchema}}
        responses:
          200: {description: "preferences", content: {application/json: {schema: PreferencesSchema}}}
          422: {description: "unknown channel or sms value"}
        """
        body = self.load(PreferencesSchema())
        self.send(await subscriptions.set_preferences(self.deps.db, await self.resident_id(), body))


default_handlers = [
    (r"/api/v1/me/subscriptions", SubscriptionsHandler),
    (r"/api/v1/me/devices", DevicesHandler),
    (r"/api/v1/me/devices/(?P<registration_id>[^/]+)", DeviceHandler),
    (r"/api/v1/me/notification-preferences", PreferencesHandler),
]
