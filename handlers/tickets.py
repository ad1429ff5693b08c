"""差评整改 tickets: departments record call-backs, close or appeal; operators decide appeals;
the resident reads the answer on their 办件 and says whether it is solved."""

from marshmallow import Schema, fields

from api.auth import require_roles
from api.base import BaseHandler
from models import applications, audit, tickets
from models.errors import AppError, NotFound
from models.ratings import LEVELS, REASONS
from models.tickets import (
    AppealSchema,
    CallbackSchema,
    CloseSchema,
    DecisionSchema,
    ResidentTicketSchema,
    TicketSchema,
    VerdictSchema,
)
from usecases import resident_applications

TICKET = r"(?P<ticket_id>[0-9a-f]{24})"
NUMBER = r"(?P<number>[A-Z]{2}\d{14})"


class TicketListSchema(Schema):
    tickets = fields.List(fields.Nested(TicketSchema))


class RatingChoicesSchema(Schema):
    levels = fields.Dict(keys=fields.String(), values=fields.String())
    reasons = fields.Dict(keys=fields.String(), values=fields.String())


def reader_department(claims: dict) -> str | None:
    """Processors read their department's tickets; operators and admins every department's."""
    if claims["role"] in ("operator", "admin"):
        return None
    if claims["role"] == "processor" and claims.get("dept"):
        return claims["dept"]
    raise AppError(403, "auth.forbidden", "没有权限执行此操作")


def handler_department(claims: dict) -> str:
    """Call-backs, closing and appeals are the department's own work: its processors only."""
    if claims["role"] != "processor" or not claims.get("dept"):
        raise AppError(403, "auth.forbidden", "只有办件所属部门的审核员可以办理整改")
    return claims["dept"]


async def _record(handler, action: str, ticket: dict, details: dict) -> None:
    claims = handler.current_claims()
    await audit.record(handler.deps.db, actor=claims.get("username", ""), role=claims["role"], action=action,
                       target=f"ticket:{ticket['number']}", details={"department": ticket["department"], **details})


class RatingChoicesHandler(BaseHandler):
    async def get(self):
        """The five national levels and the reasons a 不满意 or 非常不满意 rating chooses from.
        ---
        tags: [applications]
        responses:
          200: {description: "OK", content: {application/json: {schema: RatingChoicesSchema}}}
        """
        self.send(RatingChoicesSchema().dump({"levels": {k: v[0] for k, v in LEVELS.items()}, "reasons": REASONS}))


class TicketsHandler(BaseHandler):
    @require_roles("processor", "operator")
    async def get(self):
        """Rectification tickets, newest first: a processor's department's, or every department's.
        ---
        tags: [tickets]
        parameters:
          - {in: query, name: state, schema: {type: string, enum: [open, closed, appealed, voided]}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketListSchema}}}
        """
        docs = await tickets.listing(self.deps.db, reader_department(self.current_claims()),
                                     self.query_arg("state", choices=tickets.STATES))
        self.send(TicketListSchema().dump({"tickets": docs}))


class TicketHandler(BaseHandler):
    @require_roles("processor", "operator")
    async def get(self, ticket_id):
        """One ticket with its call-backs, resolution, the resident's verdict, appeal and history.
        ---
        tags: [tickets]
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketSchema}}}
          404: {description: "no such ticket of your department"}
        """
        self.send(TicketSchema().dump(await tickets.get(self.deps.db, ticket_id, reader_department(self.current_claims()))))


class TicketStepHandler(BaseHandler):
    """POST bodies that move a ticket; subclasses name the schema, the model call and the audit action."""

    schema = CallbackSchema
    step = staticmethod(tickets.add_callback)
    action = ""

    async def _post(self, ticket_id, department):
        body = self.load(self.schema())
        doc = await tickets.get(self.deps.db, ticket_id, department)
        updated = await self.step(self.deps.db, doc, self.current_claims().get("username", ""), body)
        await _record(self, self.action, updated, {k: v for k, v in body.items() if k != "called_at"})
        self.send(TicketSchema().dump(updated))


class CallbackHandler(TicketStepHandler):
    schema, step, action = CallbackSchema, staticmethod(tickets.add_callback), "ticket.callback"

    @require_roles("processor")
    async def post(self, ticket_id):
        """Record a call-back to the resident: when it happened and what came of it.
        ---
        tags: [tickets]
        requestBody:
          content: {application/json: {schema: CallbackSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketSchema}}}
          409: {description: "ticket.state: not open"}
        """
        await self._post(ticket_id, handler_department(self.current_claims()))


class CloseHandler(TicketStepHandler):
    schema, step, action = CloseSchema, staticmethod(tickets.close), "ticket.close"

    @require_roles("processor")
    async def post(self, ticket_id):
        """Close with the rectification and its result, or an explanation (a call-back first).
        ---
        tags: [tickets]
        requestBody:
          content: {application/json: {schema: CloseSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketSchema}}}
          409: {description: "ticket.callback_required, ticket.state"}
        """
        await self._post(ticket_id, handler_department(self.current_claims()))


class AppealHandler(TicketStepHandler):
    schema, step, action = AppealSchema, staticmethod(tickets.appeal), "ticket.appeal"

    @require_roles("processor")
    async def post(self, ticket_id):
        """Appeal the rating (once): an operator decides.
        ---
        tags: [tickets]
        requestBody:
          content: {application/json: {schema: AppealSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketSchema}}}
          409: {description: "ticket.appealed_before, ticket.state"}
        """
        await self._post(ticket_id, handler_department(self.current_claims()))


class DecisionHandler(TicketStepHandler):
    schema, step, action = DecisionSchema, staticmethod(tickets.decide), "ticket.appeal_decision"

    @require_roles("operator")
    async def post(self, ticket_id):
        """Decide an appeal: upheld voids the ticket and takes the rating out of the figures;
        rejected reopens the ticket for the department.
        ---
        tags: [tickets]
        requestBody:
          content: {application/json: {schema: DecisionSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: TicketSchema}}}
          409: {description: "ticket.state: not under appeal"}
        """
        await self._post(ticket_id, None)


class ResidentTicketHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self, number):
        """The rectification of my 差评 on this 办件: call-backs, what was done, whether I said it is solved.
        ---
        tags: [applications]
        responses:
          200: {description: "OK", content: {application/json: {schema: ResidentTicketSchema}}}
          404: {description: "no such application of yours, or no ticket"}
        """
        self.send(ResidentTicketSchema().dump(await _own_ticket(self, number)))


class VerdictHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, number):
        """Say whether the department's answer solved it; not solved reopens the ticket.
        ---
        tags: [applications]
        requestBody:
          content: {application/json: {schema: VerdictSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ResidentTicketSchema}}}
          409: {description: "ticket.state: not closed"}
        """
        body = self.load(VerdictSchema())
        doc = await _own_ticket(self, number)
        updated = await tickets.verdict(self.deps.db, doc, doc["owner"], body)
        self.send(ResidentTicketSchema().dump(updated))


async def _own_ticket(handler, number: str) -> dict:
    owner = await resident_applications.resident_id(handler.deps.db, handler.current_claims())
    await applications.get_for_owner(handler.deps.db, owner, number)
    doc = await tickets.of_application(handler.deps.db, number)
    if doc is None:
        raise NotFound("ticket.not_found", "该办件没有整改工单")
    return doc


default_handlers = [
    (r"/api/v1/ratings/choices", RatingChoicesHandler),
    (r"/api/v1/staff/tickets", TicketsHandler),
    (rf"/api/v1/staff/tickets/{TICKET}", TicketHandler),
    (rf"/api/v1/staff/tickets/{TICKET}/callbacks", CallbackHandler),
    (rf"/api/v1/staff/tickets/{TICKET}/close", CloseHandler),
    (rf"/api/v1/staff/tickets/{TICKET}/appeal", AppealHandler),
    (rf"/api/v1/admin/tickets/{TICKET}/decision", DecisionHandler),
    (rf"/api/v1/applications/{NUMBER}/ticket", ResidentTicketHandler),
    (rf"/api/v1/applications/{NUMBER}/ticket/verdict", VerdictHandler),
]
