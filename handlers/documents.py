"""Case documents (文书): the 当场行政处罚决定书, issued on the spot, fetched as PDF, verified by QR."""

from api.auth import require_roles
from api.base import BaseHandler
from handlers.enforcement import UUID
from models import documents
from models.cases import CaseViewSchema
from models.documents import SpotDecisionSchema

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
        document, case = await documents.issue(self.deps.db, self.deps.pii, case_id, body, self.current_claims(),
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
        self.send_file(data, "application/pdf", f"当场行政处罚决定书-{document['number']}.pdf", etag=document["sha256"])


class DocumentVerifyHandler(BaseHandler):
    async def get(self, doc_id):
        """Public (the QR code on the paper): is this document genuine and its case's chain intact?
        Answers the number, date and SHA-256 only, never the party.
        ---
        tags: [enforcement]
        responses:
          200: {description: "valid, number, issued_at, sha256"}
          404: {description: "no such document"}
        """
        self.send(await documents.public_check(self.deps.db, doc_id))


default_handlers = [
    (rf"/api/v1/enforcement/cases/{UUID}/spot-decision", SpotDecisionHandler),
    (rf"/api/v1/enforcement/cases/{UUID}/documents", CaseDocumentsHandler),
    (rf"/api/v1/enforcement/documents/{DOC}\.pdf", DocumentPdfHandler),
    (rf"/api/v1/enforcement/documents/{DOC}/verify", DocumentVerifyHandler),
]
