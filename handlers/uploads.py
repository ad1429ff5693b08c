"""Residents' uploads: multipart or raw body in, owner-only metadata and content out."""

import tornado.httputil

from api.auth import require_roles
from api.base import BaseHandler
from models import uploads
from models.errors import AppError
from models.uploads import UploadSchema
from usecases import counter_work


class UploadsHandler(BaseHandler):
    body_limit = uploads.MAX_BYTES + 64 * 1024  # the file plus multipart framing; the file itself is checked exactly

    @require_roles(kind="resident")
    async def post(self):
        """Upload a JPEG, PNG or PDF (≤ 10 MB): multipart field `file`, or the raw bytes as the body
        (name in `?filename=`). The type is sniffed from the content, and an image must decode.
        The same file again returns the first upload (200).
        ---
        tags: [uploads]
        parameters:
          - {in: query, name: filename, schema: {type: string}}
        requestBody:
          required: true
          content:
            application/octet-stream: {schema: {type: string, format: binary}}
            multipart/form-data: {schema: {type: object, required: [file], properties: {file: {type: string, format: binary}}}}
        responses:
          201: {description: "OK", content: {application/json: {schema: UploadSchema}}}
          200: {description: "the same file was uploaded before"}
          400: {description: "empty, multipart without a `file` field, or a malformed multipart body"}
          413: {description: "larger than 10 MB"}
          415: {description: "not a JPEG, PNG or PDF"}
          422: {description: "an image that does not decode (truncated, corrupt) or of more than 50 million pixels"}
        """
        data, filename = self._file()
        doc, created = await uploads.store(self.deps.db, await self.resident_id(), data, filename)
        self.send(UploadSchema().dump(doc), 201 if created else 200)

    def _file(self) -> tuple[bytes, str | None]:
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            return self.body, self.get_query_argument("filename", None)
        args, files = {}, {}
        try:
            tornado.httputil.parse_body_arguments(content_type, self.body, args, files)
        except tornado.httputil.HTTPInputError:
            raise AppError(400, "upload.bad_multipart", "multipart 请求格式有误（缺少或错误的 boundary）") from None
        if not files.get("file"):
            raise AppError(400, "upload.no_file", "请在 file 字段中上传文件")
        part = files["file"][0]
        return part.body, part.filename


class StaffUploadsHandler(UploadsHandler):
    @require_roles("processor")
    async def post(self):
        """Upload a result document (办结结果) for my department; same rules as residents' uploads.
        ---
        tags: [staff]
        parameters:
          - {in: query, name: filename, schema: {type: string}}
        requestBody:
          required: true
          content:
            application/octet-stream: {schema: {type: string, format: binary}}
            multipart/form-data: {schema: {type: object, required: [file], properties: {file: {type: string, format: binary}}}}
        responses:
          201: {description: "OK", content: {application/json: {schema: UploadSchema}}}
          200: {description: "the same file was uploaded before"}
          413: {description: "larger than 10 MB"}
          415: {description: "not a JPEG, PNG or PDF"}
          422: {description: "an image that does not decode (truncated, corrupt) or of more than 50 million pixels"}
        """
        data, filename = self._file()
        owner = counter_work.staff_owner(self.current_claims())
        doc, created = await uploads.store(self.deps.db, owner, data, filename)
        self.send(UploadSchema().dump(doc), 201 if created else 200)


class UploadHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self, upload_id):
        """One of your uploads (someone else's is 404).
        ---
        tags: [uploads]
        responses:
          200: {description: "OK", content: {application/json: {schema: UploadSchema}}}
          404: {description: "no such upload of yours"}
        """
        self.send(UploadSchema().dump(await uploads.get(self.deps.db, await self.resident_id(), upload_id)))


class UploadContentHandler(BaseHandler):
    @require_roles(kind="resident")
    async def get(self, upload_id):
        """The file's bytes, with its sniffed type: an image inline, a PDF as a download (attachment);
        sandboxed (CSP), never cached.
        ---
        tags: [uploads]
        responses:
          200: {description: "the file"}
          404: {description: "no such upload of yours"}
        """
        doc, data = await uploads.content(self.deps.db, await self.resident_id(), upload_id)
        self.send_file(data, doc["content_type"], doc.get("filename"), etag=doc["sha256"])


default_handlers = [
    (r"/api/v1/uploads", UploadsHandler),
    (r"/api/v1/uploads/(?P<upload_id>[^/]+)", UploadHandler),
    (r"/api/v1/uploads/(?P<upload_id>[^/]+)/content", UploadContentHandler),
    (r"/api/v1/staff/uploads", StaffUploadsHandler),
]
