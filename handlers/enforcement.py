"""Mobile enforcement (移动执法): offline-first cases, batch sync, evidence, tamper checks."""

from api.auth import require_roles
from api.base import BaseHandler
from api.ratelimit import headers
from models import cases, evidence, lookups
from models.cases import CasePutSchema, CaseTransitionSchema, CaseViewSchema, SyncSchema
from models.evidence import AttachSchema, CaptureSchema, UploadStartSchema
from models.lookups import LookupAuditSchema, LookupSchema
from usecases import field_lookups

UUID = r"(?P<case_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
STAFF = ("inspector", "supervisor")


class CasesHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self):
        """Cases in the caller's scope (an inspector's own, a supervisor's team's), newest first.
        ---
        tags: [enforcement]
        parameters:
          - {in: query, name: state, schema: {type: string}}
        responses:
          200: {description: "cases"}
        """
        docs = await cases.listing(self.deps.db, self.current_claims(), state=self.query_arg("state", choices=cases.STATES))
        self.send({"cases": CaseViewSchema(many=True).dump(docs)})


class CaseHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self, case_id):
        """One case.
        ---
        tags: [enforcement]
        responses:
          200: {description: "the case"}
          404: {description: "no such case in your scope"}
        """
        self.send(CaseViewSchema().dump(await cases.get(self.deps.db, case_id, self.current_claims())))

    @require_roles(*STAFF)
    async def put(self, case_id):
        """Create (version 0) or update a case with the version the app saw. The same change sent
        again returns the stored case; another change on an old version is 409 with the current case.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: CasePutSchema}}
        responses:
          200: {description: "updated, or a replay"}
          201: {description: "created"}
          409: {description: "version conflict or case locked; `details.current` is the case now"}
        """
        body = self.load(CasePutSchema())
        case, status = await cases.put(self.deps.db, case_id, body, self.current_claims())
        self.send(CaseViewSchema().dump(case), status)


class SyncHandler(BaseHandler):
    @require_roles(*STAFF)
    async def post(self):
        """Apply up to 100 offline operations (`put_case`) in order, answering each on its own;
        the whole batch is safe to send again.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: SyncSchema}}
        responses:
          200: {description: "results, one per operation, each with its own status"}
        """
        body = self.load(SyncSchema())
        self.send({"results": await cases.sync(self.deps.db, body["operations"], self.current_claims())})


class TransitionHandler(BaseHandler):
    @require_roles(*STAFF)
    async def post(self, case_id):
        """Move a case: register (inspector: 立案, a case number is issued), review / approve /
        return (with comments) / close (supervisor of the team).
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: CaseTransitionSchema}}
        responses:
          200: {description: "the case"}
          403: {description: "not your role"}
          409: {description: "stale version or wrong state"}
        """
        body = self.load(CaseTransitionSchema())
        case = await cases.transition(self.deps.db, case_id, body, self.current_claims())
        self.send(CaseViewSchema().dump(case))


class VerifyHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self, case_id):
        """Recompute the case's hash chain and its evidence files' SHA-256; `broken_at` names the
        first event that does not check out.
        ---
        tags: [enforcement]
        responses:
          200: {description: "ok, broken_at, reason, events"}
        """
        db = self.deps.db
        self.send(await cases.verify(db, await cases.get(db, case_id, self.current_claims())))


class TrailHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self, case_id):
        """The case's full event trail (who did what, when), with each event's hash.
        ---
        tags: [enforcement]
        responses:
          200: {description: "events, oldest first"}
        """
        case = await cases.get(self.deps.db, case_id, self.current_claims())
        self.send({"case_id": case_id, "events": case["events"]})


class EvidenceHandler(BaseHandler):
    body_limit = evidence.DIRECT_MAX + 1024

    @require_roles("inspector")
    async def post(self, case_id):
        """Add evidence. A file up to 10 MB: the bytes as the body, with `captured_at`, `lng`,
        `lat`, `device_id` in the query. A larger file: JSON `{upload_id, captured_at, lng, lat,
        device_id}` after its chunks are uploaded. The same file twice is stored once.
        ---
        tags: [enforcement]
        parameters:
          - {in: query, name: captured_at, schema: {type: string, format: date-time}}
          - {in: query, name: lng, schema: {type: number, minimum: -180, maximum: 180}}
          - {in: query, name: lat, schema: {type: number, minimum: -90, maximum: 90}}
          - {in: query, name: device_id, schema: {type: string, maxLength: 64}}
        requestBody:
          required: true
          content:
            application/octet-stream: {schema: {type: string, format: binary}}
            application/json: {schema: AttachSchema}
        responses:
          201: {description: "added"}
          200: {description: "this file was already on the case"}
          409: {description: "chunks missing, or the case is decided"}
          415: {description: "not a JPEG/PNG photo or MP4/MOV video"}
          422: {description: "bad capture data, or the assembled file does not match its SHA-256"}
        """
        db, claims = self.deps.db, self.current_claims()
        case = await cases.get(db, case_id, claims)
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            body = self.load(AttachSchema())
            data = await evidence.assemble(db, body["upload_id"], case_id, claims["username"])
        else:
            body = self.load(CaptureSchema(), {k: self.get_query_argument(k, None) for k in CaptureSchema().fields
                                               if self.get_query_argument(k, None) is not None})
            data = self.body
        item = await evidence.store(db, data, body, claims["username"])
        case, added = await cases.add_evidence(db, case, item, claims)
        if "upload_id" in body:
            await evidence.finish(db, body["upload_id"])
        self.send({"evidence": item if added else next(e for e in case["evidence"] if e["sha256"] == item["sha256"]),
                   "added": added, "case": CaseViewSchema().dump(case)}, 201 if added else 200)


class EvidenceFileHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self, case_id, sha256):
        """One evidence file of the case, as stored (a photo as the inspector's device stamped it).
        ---
        tags: [enforcement]
        parameters:
          - {in: path, name: case_id, required: true, schema: {type: string, format: uuid}}
        responses:
          200: {description: "the file's bytes (image/jpeg, image/png, video/mp4, video/quicktime)"}
          404: {description: "no such case in your scope, or no such file on it"}
        """
        case = await cases.get(self.deps.db, case_id, self.current_claims())
        item, data = await evidence.of_case(self.deps.db, case, sha256)
        extension = item["content_type"].split("/")[1].replace("quicktime", "mov").replace("jpeg", "jpg")
        self.send_file(data, item["content_type"], f"{sha256[:12]}.{extension}", etag=sha256)


class UploadsHandler(BaseHandler):
    @require_roles("inspector")
    async def post(self, case_id):
        """Open a resumable upload for a large file: `{size, sha256}`; chunks are 1 MiB.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: UploadStartSchema}}
        responses:
          201: {description: "upload_id, chunk_size, chunks, missing"}
        """
        await cases.get(self.deps.db, case_id, self.current_claims())
        body = self.load(UploadStartSchema())
        self.send(await evidence.start(self.deps.db, case_id, body, self.current_claims()["username"]), 201)


class UploadHandler(BaseHandler):
    @require_roles("inspector")
    async def get(self, upload_id):
        """Which chunks arrived and which are missing (to resume after a broken connection).
        ---
        tags: [enforcement]
        responses:
          200: {description: "received, missing"}
        """
        self.send(await evidence.status(self.deps.db, upload_id, self.current_claims()["username"]))


class ChunkHandler(BaseHandler):
    body_limit = evidence.CHUNK + 1024

    @require_roles("inspector")
    async def put(self, upload_id, n):
        """One chunk (bytes); sending a chunk again is harmless.
        ---
        tags: [enforcement]
        requestBody:
          required: true
          content: {application/octet-stream: {schema: {type: string, format: binary}}}
        responses:
          200: {description: "received, missing"}
        """
        self.send(await evidence.put_chunk(self.deps.db, upload_id, int(n), self.body, self.current_claims()["username"]))


default_handlers = [
    (r"/api/v1/enforcement/cases", CasesHandler),
    (rf"/api/v1/enforcement/cases/{UUID}", CaseHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/transitions", TransitionHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/verify", VerifyHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/trail", TrailHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/evidence", EvidenceHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/evidence/(?P<sha256>[0-9a-f]{{64}})", EvidenceFileHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/uploads", UploadsHandler),
    (r"/api/v1/enforcement/uploads/(?P<upload_id>[0-9a-f]{32})", UploadHandler),
    (r"/api/v1/enforcement/uploads/(?P<upload_id>[0-9a-f]{32})/chunks/(?P<n>\d{1,4})", ChunkHandler),
    (r"/api/v1/enforcement/sync", SyncHandler),
]


class LookupHandler(BaseHandler):
    @require_roles("inspector")
    async def post(self):
        """Look up a vehicle (plate), a driver (驾驶证号) or a transport business (经营许可证号), with
        the reason (and optionally the case). Rate-limited per inspector; every look-up is audited.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: LookupSchema}}
        responses:
          200: {description: "data, source, and `rate_limit` (limit, remaining, reset_seconds; also in X-RateLimit-* headers)"}
          404: {description: "no such vehicle, driver or business"}
          422: {description: "no reason, or a malformed key"}
          429: {description: "too many look-ups; Retry-After"}
          503: {description: "the department system is unavailable"}
        """
        body = self.load(LookupSchema())
        answer = await field_lookups.run(self.deps.db, self.current_claims(), body, exchange=self.deps.exchange,
                                        limiter=self.deps.lookup_limiter)
        for name, value in headers(answer["rate_limit"]).items():
            self.set_header(name, value)
        self.send(answer)


class LookupAuditHandler(BaseHandler):
    @require_roles(*STAFF)
    async def get(self):
        """Look-ups: a supervisor's team (optionally one inspector), an inspector's own; newest first.
        ---
        tags: [enforcement]
        parameters:
          - {in: query, name: inspector, schema: {type: string}}
        responses:
          200: {description: "entries"}
        """
        docs = await lookups.audit_log(self.deps.db, self.current_claims(), inspector=self.query_arg("inspector"))
        self.send({"entries": LookupAuditSchema(many=True).dump(docs)})


default_handlers += [
    (r"/api/v1/enforcement/lookups", LookupHandler),
    (r"/api/v1/enforcement/lookups/audit", LookupAuditHandler),
]
