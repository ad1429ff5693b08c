"""Applications (办件): residents submit and follow theirs; processors work their department's queue."""

from marshmallow import Schema, fields, validate

from api.auth import require_roles
from api.base import BaseHandler
from models import applications
from models.applications import (
    RESIDENT,
    STAFF,
    STATES,
    ApplicationSchema,
    ApplicationTransitionSchema,
    SubmitSchema,
    SupplementSchema,
)
from models.ratings import RatingSchema
from usecases import counter_work, resident_applications

NUMBER = r"(?P<number>[A-Z]{2}\d{14})"


# Named subclasses rather than `exclude=` on the nested schema: the OpenAPI components then carry
# these names instead of apispec's numbered Application1, Application2.
class ApplicationSummarySchema(ApplicationSchema):
    """An application in the resident's list: no timeline, form or materials."""

    class Meta:
        exclude = ("timeline", "form", "masked_fields", "materials")


class QueuedApplicationSchema(ApplicationSchema):
    """An application in a processor's queue: no timeline."""

    class Meta:
        exclude = ("timeline",)


class ApplicationListSchema(Schema):
    applications = fields.List(fields.Nested(ApplicationSummarySchema(role=RESIDENT)))
    next_cursor = fields.String(allow_none=True)


class StaffQueueSchema(Schema):
    applications = fields.List(fields.Nested(QueuedApplicationSchema(role=STAFF)))


class RevealSchema(Schema):
    names = fields.List(fields.String(validate=validate.Length(1, 40)), data_key="fields", load_default=None,
                        validate=validate.Length(1, 50))


class RevealedSchema(Schema):
    number = fields.String()
    answers = fields.Dict(data_key="fields")


def reveal_request(handler) -> list[str] | None:
    """The field names asked for; no body (or no `fields`) asks for every sensitive answer."""
    return handler.load(RevealSchema(), None if handler.body else {})["names"]


async def send_staff_view(handler, doc: dict) -> None:
    """An application as staff see it after a step: with `due_in`, as the queue and the view show it."""
    handler.send(ApplicationSchema(role=STAFF).dump((await counter_work.with_due_in(handler.deps.db, [doc]))[0]))


class ApplicationsHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self):
        """Submit an application. Requires an Idempotency-Key header: an identical repeat returns
        the first answer; the same key with another body is 409; a repeat while the first is still
        running is 409 with Retry-After.
        ---
        tags: [applications]
        parameters:
          - {in: header, name: Idempotency-Key, required: true, schema: {type: string, maxLength: 255}}
        requestBody:
          content: {application/json: {schema: SubmitSchema}}
        responses:
          201: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          404: {description: "item.not_found"}
          409: {description: "idempotency key reused or in flight"}
          422: {description: "form or materials errors, by field"}
        """
        body = self.load(SubmitSchema())
        key = self.request.headers.get("Idempotency-Key", "")
        status, answer = await resident_applications.submit(
            self.deps.db, self.current_claims(), key, body, pii=self.deps.pii, hot=self.deps.hot)
        self.send(answer, status)

    @require_roles(kind="resident")
    async def get(self):
        """My applications, newest first (cursor pagination; filter by state).
        ---
        tags: [applications]
        parameters:
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: cursor, schema: {type: string}}
          - {in: query, name: limit, schema: {type: integer, default: 20}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationListSchema}}}
        """
        owner = await resident_applications.resident_id(self.deps.db, self.current_claims())
        docs, cursor = await applications.list_for_owner(
            self.deps.db, owner, state=self.query_arg("state", choices=STATES), cursor=self.query_arg("cursor"),
            limit=self.query_arg("limit", 20, as_int=True, lo=1, hi=100))
        self.send(ApplicationListSchema().dump({"applications": docs, "next_cursor": cursor}))


class ApplicationHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self, number):
        """One of my applications with its full timeline (someone else's is 404).
        ---
        tags: [applications]
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          404: {description: "no such application of yours"}
        """
        owner = await resident_applications.resident_id(self.deps.db, self.current_claims())
        doc = await applications.get_for_owner(self.deps.db, owner, number)
        self.send_versioned(ApplicationSchema(role=RESIDENT), doc)


class WithdrawHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, number):
        """Withdraw before acceptance is final (submitted or accepted). If-Match: the version you saw.
        ---
        tags: [applications]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          409: {description: "stale version, or not allowed now (details.allowed_actions)"}
        """
        doc = await resident_applications.withdraw(self.deps.db, self.current_claims(), number, self.if_match_version())
        self.send(ApplicationSchema(role=RESIDENT).dump(doc))


class SupplementHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, number):
        """Send the materials asked for (补正); the application goes back to review. If-Match required.
        ---
        tags: [applications]
        parameters:
          - {in: header, name: If-Match, required: true, schema: {type: string, pattern: "^[0-9]{1,9}$"}}
        requestBody:
          content: {application/json: {schema: SupplementSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          409: {description: "stale version, or no supplement was asked for"}
        """
        version = self.if_match_version()
        body = self.load(SupplementSchema())
        doc = await resident_applications.supplement(self.deps.db, self.current_claims(), number, version, body)
        self.send(ApplicationSchema(role=RESIDENT).dump(doc))


class RatingHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, number):
        """Rate a completed application (好差评, 1-5 and a comment), once.
        ---
        tags: [applications]
        requestBody:
          content: {application/json: {schema: RatingSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          409: {description: "not completed yet, or already rated"}
        """
        body = self.load(RatingSchema())
        self.send(ApplicationSchema(role=RESIDENT).dump(await resident_applications.rate(
            self.deps.db, self.current_claims(), number, body, rectify_days=self.config.rectify_days)))


class ResultHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self, number):
        """Download the result document issued at completion (办结结果): a PDF as an attachment, an
        image inline; sandboxed (CSP), never cached.
        ---
        tags: [applications]
        responses:
          200: {description: "the file"}
          404: {description: "no such application of yours, or no result yet"}
        """
        result, data = await resident_applications.result_document(self.deps.db, self.current_claims(), number)
        self.send_file(data, result["content_type"], result.get("filename"))


class RevealHandler(BaseHandler):
    @require_roles(kind="resident")
    async def post(self, number):
        """My own sensitive answers in clear (the application shows them masked). Not audited: they
        are the resident's own, shown to the resident; a processor's reveal is.
        ---
        tags: [applications]
        requestBody:
          required: false
          content: {application/json: {schema: RevealSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: RevealedSchema}}}
          404: {description: "no such application of yours"}
          422: {description: "a named field is not a sensitive answer of this application"}
        """
        answers = await resident_applications.reveal_own(
            self.deps.db, self.current_claims(), number, reveal_request(self), pii=self.deps.pii)
        self.send(RevealedSchema().dump({"number": number, "answers": answers}))


class StaffQueueHandler(BaseHandler):
    @require_roles("processor")
    async def get(self):
        """Open applications of my department, soonest due first, overdue flagged.
        ---
        tags: [staff]
        parameters:
          - {in: query, name: state, schema: {type: string}}
          - {in: query, name: q, description: "number, item code or part of its name", schema: {type: string}}
          - {in: query, name: claimed, schema: {type: string, enum: [mine, unclaimed]}}
          - {in: query, name: limit, schema: {type: integer, default: 50}}
        responses:
          200: {description: "the queue", content: {application/json: {schema: StaffQueueSchema}}}
        """
        claims = self.current_claims()
        department = counter_work.staff_department(claims)
        search = (self.query_arg("q") or "").strip()[:40] or None
        docs = await applications.queue(self.deps.db, department, state=self.query_arg("state", choices=STATES),
                                        limit=self.query_arg("limit", 50, as_int=True, lo=1, hi=200), search=search,
                                        claimed=self.query_arg("claimed", choices=("mine", "unclaimed")),
                                        me=claims.get("username", ""))
        docs = await counter_work.with_due_in(self.deps.db, docs)
        self.send(StaffQueueSchema().dump({"applications": docs}))


class StaffApplicationHandler(BaseHandler):
    @require_roles("processor")
    async def get(self, number):
        """One application of my department with its form (sensitive answers masked), materials and
        timeline; `due_in` counts working days to its due date. ETag: its version.
        ---
        tags: [staff]
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          404: {description: "not an application of your department"}
        """
        doc = await counter_work.view(self.deps.db, self.current_claims(), number)
        self.set_header("ETag", f'"{doc["version"]}"')
        self.send(ApplicationSchema(role=STAFF).dump(doc))


class StaffMaterialHandler(BaseHandler):
    @require_roles("processor")
    async def get(self, number, code):
        """A material's file (`code` as in `materials`, or `result` for the issued result): an image
        inline, anything else as an attachment; sandboxed (CSP), never cached.
        ---
        tags: [staff]
        responses:
          200: {description: "the file"}
          404: {description: "not an application of your department, or no such material"}
        """
        material, data = await counter_work.material_content(self.deps.db, self.current_claims(), number, code)
        self.send_file(data, material["content_type"], material.get("filename") or material.get("name"),
                       etag=material["sha256"])


class StaffTransitionHandler(BaseHandler):
    @require_roles("processor")
    async def post(self, number):
        """Move an application of my department on: accept, refuse, start_review, approve, deny,
        request_supplement, complete (with `result`). `version` must be the one you saw.
        ---
        tags: [staff]
        requestBody:
          content: {application/json: {schema: ApplicationTransitionSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          404: {description: "not an application of your department"}
          409: {description: "stale version, or the action is not allowed now (details.allowed_actions)"}
        """
        body = self.load(ApplicationTransitionSchema())
        doc = await counter_work.transition(self.deps.db, self.current_claims(), number, body)
        await send_staff_view(self, doc)


class StaffRevealHandler(BaseHandler):
    @require_roles("processor")
    async def post(self, number):
        """Show the sensitive answers of an application of my department in clear: 身份证号, phone
        numbers, addresses and fields the item marks `sensitive`, which the queue and every other
        answer show masked (`masked_fields` names them). Body `{"fields": [names]}`, or none for
        all. POST, not GET: each reveal writes an audit record (`application.reveal`: who, which
        application, which fields) before answering. Only processors of the application's
        department: an admin is 403, another department's processor 404.
        ---
        tags: [staff]
        requestBody:
          required: false
          content: {application/json: {schema: RevealSchema}}
        responses:
          200: {description: "OK", content: {application/json: {schema: RevealedSchema}}}
          403: {description: "not a processor"}
          404: {description: "not an application of your department"}
          422: {description: "a named field is not a sensitive answer of this application"}
        """
        answers = await counter_work.reveal(
            self.deps.db, self.current_claims(), number, reveal_request(self), pii=self.deps.pii)
        self.send(RevealedSchema().dump({"number": number, "answers": answers}))


class StaffClaimHandler(BaseHandler):
    @require_roles("processor")
    async def post(self, number):
        """Claim an application of my department (the first transition also claims it).
        ---
        tags: [staff]
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          409: {description: "claimed by someone else, or already finished"}
        """
        await send_staff_view(self, await counter_work.claim(self.deps.db, self.current_claims(), number))


class StaffReleaseHandler(BaseHandler):
    @require_roles("processor")
    async def post(self, number):
        """Give a claimed application back to the queue: its assignee, or an admin (audited).
        ---
        tags: [staff]
        responses:
          200: {description: "OK", content: {application/json: {schema: ApplicationSchema}}}
          409: {description: "application.claimed (someone else's), application.not_claimed"}
        """
        await send_staff_view(self, await counter_work.release(self.deps.db, self.current_claims(), number))


default_handlers = [
    (r"/api/v1/applications", ApplicationsHandler),
    (rf"/api/v1/applications/{NUMBER}", ApplicationHandler),
    (rf"/api/v1/applications/{NUMBER}/withdraw", WithdrawHandler),
    (rf"/api/v1/applications/{NUMBER}/supplement", SupplementHandler),
    (rf"/api/v1/applications/{NUMBER}/rating", RatingHandler),
    (rf"/api/v1/applications/{NUMBER}/result", ResultHandler),
    (rf"/api/v1/applications/{NUMBER}/reveal", RevealHandler),
    (r"/api/v1/staff/applications", StaffQueueHandler),
    (rf"/api/v1/staff/applications/{NUMBER}", StaffApplicationHandler),
    (rf"/api/v1/staff/applications/{NUMBER}/claim", StaffClaimHandler),
    (rf"/api/v1/staff/applications/{NUMBER}/release", StaffReleaseHandler),
    (rf"/api/v1/staff/applications/{NUMBER}/materials/(?P<code>[^/]{{1,40}})", StaffMaterialHandler),
    (rf"/api/v1/staff/applications/{NUMBER}/reveal", StaffRevealHandler),
    (rf"/api/v1/staff/applications/{NUMBER}/transitions", StaffTransitionHandler),
]
