"""Case documents (文书): the 当场行政处罚决定书 and the 现场笔录, made on the spot, fetched as PDF, verified by QR,
served electronically by an SMS link (`/s/{token}`) when the party agreed."""

import datetime as dt
import pathlib

import tornado.template

from api.auth import require_roles
from api.base import BaseHandler, outage
from handlers.enforcement import UUID
from models import clock, documents, site_records
from models.cases import CaseViewSchema
from models.documents import PublicCheckSchema, SpotDecisionSchema
from models.errors import AppError
from models.site_records import SiteRecordSchema
from usecases import document_service

# autoescaped (xhtml_escape) by default: nothing stored reaches the page unescaped
PAGES = tornado.template.Loader(str(pathlib.Path(__file__).parent / "templates"))
# the page has no script and loads nothing: only its own inline style
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

DOC = r"(?P<doc_id>[0-9a-f]{32})"


class SpotDecisionHandler(BaseHandler):
    body_limit = documents.SIGNATURE_MAX * 2

    @require_roles("inspector")
    async def post(self, case_id):
        """Decide the case on the spot (当场处罚, 行政处罚法 第五十一条): a warning, or a fine up to 200
        元 (a person) / 3,000 元 (a business). Numbers the case if needed, renders the signed
        决定书 PDF, records 送达, and adds the document's SHA-256 to the case's hash chain.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: SpotDecisionSchema}}
        responses:
          201: {description: "document and case"}
          403: {description: "not the case's inspector"}
          409: {description: "stale version or a state that cannot be decided on the spot"}
          422: {description: "bad penalty, signature or 送达"}
          503: {description: "the server lacks its CJK font"}
        """
        body = self.load(SpotDecisionSchema())
        deps = self.deps
        document, case = await documents.issue(deps.db, deps.pii, case_id, body, self.current_claims(),
                                               self.config.public_url)
        if document["service"]["method"] == "electronic":  # its outcome is in `service_sms`
            document = await document_service.send(deps.db, document, pii=deps.pii, sms=deps.sms,
                                                   template=self.config.sms_template_document)
        self.send({"document": documents.view(document), "case": CaseViewSchema().dump(case)}, 201)


class SiteRecordHandler(BaseHandler):
    body_limit = documents.SIGNATURE_MAX * 2

    @require_roles("inspector")
    async def post(self, case_id):
        """Make the case's 现场笔录 (on-site record) from its 现场写实, place, time and evidence, signed
        by the party on the device, or with `party_refused` (当事人拒绝签名) recorded instead. Its
        SHA-256 joins the case's hash chain; the case's state does not change.
        ---
        tags: [enforcement]
        requestBody:
          content: {application/json: {schema: SiteRecordSchema}}
        responses:
          201: {description: "document and case"}
          403: {description: "not the case's inspector"}
          409: {description: "stale version, or the case is closed"}
          422: {description: "neither a signature nor a refusal, or a bad signature"}
          503: {description: "the server lacks its CJK font"}
        """
        body = self.load(SiteRecordSchema())
        document, case = await site_records.issue(self.deps.db, case_id, body, self.current_claims(),
                                                  self.config.public_url)
        self.send({"document": documents.view(document), "case": CaseViewSchema().dump(case)}, 201)


class CaseDocumentsHandler(BaseHandler):
    @require_roles("inspector", "supervisor")
    async def get(self, case_id):
        """The case's documents.
        ---
        tags: [enforcement]
        responses:
          200: {description: "documents"}
        """
        docs = await documents.of_case(self.deps.db, case_id, self.current_claims())
        self.send({"documents": [documents.view(d) for d in docs]})


class DocumentPdfHandler(BaseHandler):
    @require_roles("inspector", "supervisor")
    async def get(self, doc_id):
        """The document as PDF.
        ---
        tags: [enforcement]
        responses:
          200: {description: "application/pdf"}
          404: {description: "no such document in your scope"}
        """
        document, data = await documents.get(self.deps.db, doc_id, self.current_claims())
        self.send_file(data, "application/pdf", f"{documents.KIND_NAMES[document['kind']]}-{document['number']}.pdf",
                       etag=document["sha256"])


def quality(accept: str, wanted: str) -> float:
    """The q an Accept header gives one media type: its most specific matching range wins
    (RFC 9110 12.5.1); 0 when nothing matches."""
    kind = wanted.split("/")[0]
    best, value = -1, 0.0
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        rank = {wanted: 2, f"{kind}/*": 1, "*/*": 0}.get(media.lower(), -1)
        if rank > best:
            q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                value = min(max(float(q), 0.0), 1.0)
            except ValueError:
                value = 1.0  # a malformed q is ignored, as if absent
            best = rank
    return value


def prefers_html(accept: str | None) -> bool:
    """A phone's browser (text/html first) gets the page; API clients, `*/*` and no header: JSON."""
    if not accept:
        return False
    return quality(accept, "text/html") > quality(accept, "application/json")


class DocumentVerifyHandler(BaseHandler):
    async def get(self, doc_id):
        """Public (the QR code on the paper): is this document genuine and its case's chain intact?
        Answers the number, date and SHA-256 only, never the party. A browser (Accept preferring
        text/html, as a phone's camera opens it) gets the same facts as a page.
        ---
        tags: [enforcement]
        parameters:
          - {in: header, name: Accept, schema: {type: string}, description: "text/html first: the page; else JSON"}
        responses:
          200:
            description: "valid, number, issued_at, sha256"
            content:
              application/json: {schema: PublicCheckSchema}
              text/html: {schema: {type: string}}
          404: {description: "no such document"}
        """
        self.set_header("Vary", "Accept")
        check = PublicCheckSchema().dump(await documents.public_check(self.deps.db, doc_id))
        if prefers_html(self.request.headers.get("Accept")):
            issued = dt.datetime.fromisoformat(check["issued_at"]).astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M")
            self.page(200, check=check, issued=issued)
        else:
            self.send(check)

    def page(self, status: int, **values) -> None:
        send_page(self, status, "document_verify.html", **{"title": "文书核验", "check": None, "message": "", **values})

    def write_error(self, status_code: int, **kwargs) -> None:
        if not prefers_html(self.request.headers.get("Accept")):
            return super().write_error(status_code, **kwargs)
        exc = outage(kwargs.get("exc_info", (None, None, None))[1])
        if isinstance(exc, AppError):
            for name, value in exc.headers.items():
                self.set_header(name, value)
        message = exc.message if isinstance(exc, AppError) else "服务暂时不可用，请稍后再试"
        self.page(exc.status if isinstance(exc, AppError) else status_code, message=message)


class DocumentSmsHandler(BaseHandler):
    @require_roles("inspector", "supervisor")
    async def post(self, doc_id):
        """Send the 电子送达 SMS again (after a failure, or a new phone is not possible: the party's
        consent named this one); a new link replaces the last.
        ---
        tags: [enforcement]
        responses:
          200: {description: "the document, `service_sms` the outcome (sent | failed with the reason)"}
          404: {description: "no such document in your scope"}
          409: {description: "document.not_electronic: served on the spot"}
        """
        deps = self.deps
        document = await documents.electronic_of(deps.db, doc_id, self.current_claims())
        document = await document_service.send(deps.db, document, pii=deps.pii, sms=deps.sms,
                                               template=self.config.sms_template_document)
        self.send(documents.view(document))


def send_page(handler, status: int, template: str, **values) -> None:
    """One of the public pages (templates/): no script, never framed."""
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_header("Content-Security-Policy", PAGE_POLICY)
    handler.finish(PAGES.load(template).generate(**values))


TOKEN = r"(?P<token>[A-Za-z0-9_-]{16})"


class ServedDocumentHandler(BaseHandler):
    async def get(self, token):
        """Public: the page the 电子送达 SMS links to (HTML): the document's number, date and hash, and
        its PDF. The first opening is recorded as the document reaching the party.
        ---
        tags: [enforcement]
        responses:
          200: {description: "text/html"}
          404: {description: "document.link_invalid: unknown, replaced or expired (text/html)"}
        """
        try:
            document, _ = await documents.by_service_link(self.deps.db, token)
        except AppError as exc:
            self.served_page(exc.status, document=None, message=exc.message)
            return
        issued = document["issued_at"].astimezone(clock.BEIJING).strftime("%Y年%m月%d日")
        self.served_page(200, document=document, issued=issued, pdf=f"/s/{token}.pdf")

    def served_page(self, status: int, **values) -> None:
        self.set_header("Referrer-Policy", "no-referrer")  # the link's token stays out of other sites' logs
        send_page(self, status, "document_served.html", title="当场行政处罚决定书 电子送达", **values)


class ServedPdfHandler(BaseHandler):
    async def get(self, token):
        """Public: the PDF behind the 电子送达 link.
        ---
        tags: [enforcement]
        responses:
          200: {description: "application/pdf"}
          404: {description: "document.link_invalid"}
        """
        document, data = await documents.by_service_link(self.deps.db, token)
        self.send_file(data, "application/pdf", f"{documents.KIND_NAMES[document['kind']]}-{document['number']}.pdf",
                       etag=document["sha256"])


default_handlers = [
    (rf"/api/v1/enforcement/cases/{UUID}/spot-decision", SpotDecisionHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/site-record", SiteRecordHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/documents", CaseDocumentsHandler),
    (rf"/api/v1/enforcement/documents/{DOC}\.pdf", DocumentPdfHandler),
    (rf"/api/v1/enforcement/documents/{DOC}/verify", DocumentVerifyHandler),
    (rf"/api/v1/enforcement/documents/{DOC}/service-sms", DocumentSmsHandler),
    (rf"/s/{TOKEN}", ServedDocumentHandler),
    (rf"/s/{TOKEN}\.pdf", ServedPdfHandler),
]
