"""Operators: one 办件's message trail, and delivery figures per channel and template."""

import datetime as dt

from marshmallow import Schema, fields, validate

from api.auth import require_roles
from api.base import BaseHandler
from models import deliveries, delivery_stats
from models.clock import now
from models.errors import Invalid


class DeliveryTrailSchema(Schema):
    provider = fields.String()
    type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    reason = fields.String(allow_none=True)
    in_doubt = fields.Boolean(load_default=False)
    message_id = fields.String(allow_none=True, metadata={"description": "the platform's id (WeChat msgid, JPush "
                                                                           "msg_id, SMS BizId): receipts name it"})
    history = fields.List(fields.Dict())


class LatencySchema(Schema):
    p50 = fields.Float(allow_none=True)
    p95 = fields.Float(allow_none=True)


class FiguresSchema(Schema):
    """models/delivery_stats.py says what each figure means."""

    total = fields.Integer()
    sent = fields.Integer()
    sending = fields.Integer()
    accepted = fields.Integer(metadata={"description": "the platform took it; no receipt (yet)"})
    delivered = fields.Integer(metadata={"description": "a receipt says it arrived (the inbox: at once)"})
    failed = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))
    finished = fields.Integer()
    reported = fields.Integer(metadata={"description": "finished on channels with receipts: the 到达率's base"})
    receipts = fields.Boolean(metadata={"description": "false: the platform reports no receipts (Alipay)"})
    acceptance_rate = fields.Float(allow_none=True)
    arrival_rate = fields.Float(allow_none=True, metadata={"description": "到达率 by receipt; null: no receipts"})
    within_10s = fields.Float(allow_none=True, metadata={"description": "delivered within 10 s of the state change"})
    latency_ms = fields.Nested(LatencySchema, metadata={"description": "state change to acceptance"})
    delivery_ms = fields.Nested(LatencySchema, metadata={"description": "state change to receipt"})


class TemplateFiguresSchema(FiguresSchema):
    channel = fields.String()
    template = fields.String()


class StatsSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    total = fields.Nested(FiguresSchema, metadata={"description": "every channel but the inbox: the dashboard's tile"})
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema))
    templates = fields.List(fields.Nested(TemplateFiguresSchema))


class StatsQuerySchema(Schema):
    from_ = fields.AwareDateTime(data_key="from", default_timezone=dt.UTC, load_default=None)
    to = fields.AwareDateTime(default_timezone=dt.UTC, load_default=None)
    channel = fields.String(load_default=None, validate=validate.OneOf(["inbox", "wechat", "alipay", "app", "sms"]))
    template = fields.String(load_default=None, validate=validate.Length(1, 64))


class DeliveriesHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """One 办件's message trail: each event on each channel with its status history.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: application, required: true, schema: {type: string}}
        responses:
          200: {description: "deliveries, oldest first"}
        """
        number = self.query_arg("application", required=True)
        trail = await deliveries.for_application(self.deps.db, number)
        self.send({"application": number, "deliveries": DeliveryTrailSchema(many=True).dump(trail)})


class DeliveryStatsHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """Sent, accepted, delivered, failed by reason; acceptance rate, 到达率 by receipt (null
        where the platform has no receipts: Alipay), the share delivered within 10 s of the state
        change, and latency (p50/p95) per channel and template, and in total (inbox left out), for
        deliveries created in [from, to) (default: the last 24 hours).
        ---
        tags: [admin]
        parameters:
          - {in: query, name: from, schema: {type: string, format: date-time}}
          - {in: query, name: to, schema: {type: string, format: date-time}}
          - {in: query, name: channel, schema: {type: string, enum: [inbox, wechat, alipay, app, sms]}}
          - {in: query, name: template, schema: {type: string}, description: "event type, e.g. application.accepted"}
        responses:
          200: {description: "figures"}
          422: {description: "bad dates or channel"}
        """
        query = self.load(StatsQuerySchema(), {k: self.get_query_argument(k) for k in ("from", "to", "channel", "template")
                                              if self.get_query_argument(k, None) not in (None, "")})
        end = query["to"] or now()
        start = query["from_"] or end - dt.timedelta(days=1)
        if start >= end:
            raise Invalid({"from": ["from 应早于 to"]})
        docs = await deliveries.window(self.deps.db, start, end, provider=query["channel"], template=query["template"])
        self.send(StatsSchema().dump({"from": start.isoformat(), "to": end.isoformat(),
                                      **delivery_stats.summarize(docs)}))


default_handlers = [
    (r"/api/v1/admin/deliveries", DeliveriesHandler),
    (r"/api/v1/admin/deliveries/stats", DeliveryStatsHandler),
]
