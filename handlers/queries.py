"""Instant queries for residents (社保, 医保, 就业, 交通), their vehicles, and the operators' view of both."""

from api import published
from api.auth import require_roles
from api.base import BaseHandler
from models import catalog, vehicles
from models import queries as query_log
from models.errors import AppError
from models.queries import OUTCOMES, QUERIES, AuditViewSchema, QueryBodySchema
from models.vehicles import VehicleSchema, VehicleViewSchema
from usecases import record_queries


class QueryHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, code):
        """Run a query item for the logged-in resident (who must be real-name verified). The
        subject is the resident, or a plate they have bound (`plate`, with `plate_type`; 违法查询
        also takes any plate with `engine_no_last6`, checked against the register); `year` for
        缴费记录 and 医保收支明细 (default: this year) and 养老金发放 (default: the last 12), or
        `start_year`/`end_year` for 缴费记录 (at most 10 years), `insurance` narrowing it to one
        险种; `cert_no` narrows 职业技能证书 to one. A field the item's query does not take is
        refused (422). When the
        department system is down, the last answer is returned with `stale: true` and its age,
        else 503 `exchange.unavailable`.
        ---
        tags: [queries]
        requestBody:
          content: {application/json: {schema: QueryBodySchema}}
        responses:
          200: {description: "data, fetched_at, stale, age_seconds, source"}
          403: {description: "not real-name verified, or the plate is not bound (nor an engine number given)"}
          404: {description: "no such query item, or no record at the department"}
          422: {description: "bad year, plate or certificate number; the department refused the input"}
          429: {description: "too many queries on plates not bound (VEHICLE_QUERY_LIMITS)"}
          503: {description: "the department system is unavailable and nothing is cached"}
        """
        body = self.load(QueryBodySchema(), self.json_body() if self.body else {})
        items = {i["code"]: i for i in await published.published_items(self.deps)}
        item = items.get(code) or await catalog.get_item(self.deps.db, code)
        channel = self.current_claims()["aud"]
        if channel not in item["channels"]:
            raise AppError(422, "item.not_on_channel", "该事项未在当前渠道提供")
        deps = self.deps
        self.send(await record_queries.run(deps.db, self.current_claims(), item, body, redis=deps.redis, pii=deps.pii,
                                           exchange=deps.exchange, hot=deps.hot, limiter=deps.vehicle_query_limiter))


class VehiclesHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self):
        """The resident's bound vehicles.
        ---
        tags: [queries]
        responses:
          200: {description: "vehicles"}
        """
        docs = await vehicles.listing(self.deps.db, await self.resident_id())
        self.send({"vehicles": VehicleViewSchema(many=True).dump(docs)})

    @require_roles(kind="resident")
    async def post(self):
        """Bind a vehicle: the traffic police confirm the plate and engine number are the resident's.
        ---
        tags: [queries]
        requestBody:
          content: {application/json: {schema: VehicleSchema}}
        responses:
          201: {description: "bound"}
          403: {description: "not real-name verified"}
          409: {description: "five vehicles bound already"}
          422: {description: "bad plate or engine tail; not the resident's vehicle; plate and engine number do not match"}
          503: {description: "the traffic police system is unavailable"}
        """
        body = self.load(VehicleSchema())
        doc = await record_queries.bind_vehicle(self.deps.db, self.current_claims(), body, pii=self.deps.pii,
                                                exchange=self.deps.exchange)
        self.send(VehicleViewSchema().dump(doc), 201)


class VehicleHandler(BaseHandler):
    @require_roles(kind="resident")
    async def delete(self, plate):
        """Unbind a vehicle.
        ---
        tags: [queries]
        responses:
          204: {description: "unbound"}
          404: {description: "not bound"}
          422: {description: "not a plate number"}
        """
        await vehicles.unbind(self.deps.db, await self.resident_id(), vehicles.check_plate(plate))
        self.no_content()


class QueryAuditHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """Who queried what, for which subject (masked), when, from which channel, and the outcome.
        ---
        tags: [admin]
        parameters:
          - {in: query, name: query, schema: {type: string}}
          - {in: query, name: outcome, schema: {type: string}}
          - {in: query, name: resident, schema: {type: string}}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 500}}
        responses:
          200: {description: "entries, newest first"}
        """
        docs = await query_log.audit_log(
            self.deps.db, query=self.query_arg("query", choices=sorted(QUERIES)),
            outcome=self.query_arg("outcome", choices=OUTCOMES), resident=self.query_arg("resident"),
            limit=self.query_arg("limit", 100, as_int=True, lo=1, hi=500))
        self.send({"entries": AuditViewSchema(many=True).dump(docs)})


class ExchangeStatusHandler(BaseHandler):
    @require_roles("operator", "supervisor")
    async def get(self):
        """Each department system's circuit breaker, as this process sees it.
        ---
        tags: [admin]
        responses:
          200: {description: "departments"}
        """
        self.send({"departments": [d.status() for d in self.deps.exchange.values()]})


default_handlers = [
    (r"/api/v1/queries/(?P<code>[A-Z]{2}\d{4})", QueryHandler),
    (r"/api/v1/me/vehicles", VehiclesHandler),
    (r"/api/v1/me/vehicles/(?P<plate>[^/]+)", VehicleHandler),
    (r"/api/v1/admin/queries/audit", QueryAuditHandler),
    (r"/api/v1/admin/exchange", ExchangeStatusHandler),
]
