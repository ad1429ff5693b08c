"""The base handler: JSON in and out, the one error rendering, auth claims, deps."""

import gzip
import hashlib
import itertools
import json
import logging
import re
import secrets
import urllib.parse

import pymongo.errors
import redis.exceptions
import tornado.web
from marshmallow import EXCLUDE, ValidationError

from api import storable
from models import residents
from models.db import MAX_INT
from models.errors import AppError, flatten_errors

log = logging.getLogger(__name__)
# Request ids: a random per-process prefix and a counter (unique, and cheaper than uuid4).
_ID_PREFIX = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


GZIP_MIN = tornado.web.GZipContentEncoding.MIN_LENGTH


def to_json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode()


class Prepared:
    """A response body prepared once (per published version, per build), with its strong ETag,
    gzipped once when first asked for: a busy route then costs no serialising or compressing."""

    __slots__ = ("body", "etag", "_gzipped")

    def __init__(self, body: bytes):
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self._gzipped = None

    @property
    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


def etags(header: str) -> set[str]:
    """The tags of an If-None-Match header (a weak tag matches as the strong one)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def content_disposition(content_type: str, filename: str | None) -> str:
    """Images inline, anything else (a PDF can carry script) as a download; the name per RFC 6266:
    an ASCII stand-in, and the real one UTF-8 encoded for the clients that read it."""
    kind = "inline" if content_type.startswith("image/") else "attachment"
    if not filename:
        return kind
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(filename, safe='')}"


def etag_of(if_match: str) -> str:
    """The entity tag an If-Match header names: `W/"3"`, `"3"` and `3` are all `3`. The weak
    prefix is removed as a prefix: strip("W/") strips characters, so `W7` or `/7` became `7`."""
    return if_match.strip().removeprefix("W/").removeprefix('"').removesuffix('"')


@tornado.web.stream_request_body
class BaseHandler(tornado.web.RequestHandler):
    """Bodies are streamed in, so an oversized one is refused with 413 as soon as its
    Content-Length (or its running size) passes the limit, before it is held in memory."""

    request_id: str | None = None
    body_limit: int | None = None  # bytes; None = MAX_BODY_BYTES from the settings

    @property
    def deps(self):
        return self.application.settings["deps"]

    @property
    def config(self):
        return self.application.settings["config"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        # API answers carry tokens and personal data (uploaded files too): no cache may keep them.
        # Public, cacheable answers (the channel menu) set their own Cache-Control.
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Server")  # no version for a scanner to look up

    def prepare(self):
        self._counted = True
        self.application.settings["inflight"][0] += 1
        incoming = self.request.headers.get("X-Request-ID", "")
        self.request_id = incoming[:64] if incoming.isascii() and incoming else f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"
        self.set_header("X-Request-ID", self.request_id)
        self._chunks: list[bytes] = []
        self._received = 0
        declared = self.request.headers.get("Content-Length", "0")
        if not declared.isdigit():
            raise AppError(400, "request.bad_length", "Content-Length 无效")
        if int(declared) > self._limit():
            raise self._too_large()

    def _limit(self) -> int:
        return self.body_limit or self.config.max_body_bytes

    def _too_large(self) -> AppError:
        return AppError(413, "request.too_large", f"请求体不能超过 {self._limit() // 1024} KB")

    def data_received(self, chunk: bytes) -> None:
        # Chunked bodies have no Content-Length to check up front: past the limit the rest is
        # dropped, and reading the body answers 413 (Tornado cannot answer from here).
        self._received += len(chunk)
        if self._received <= self._limit():
            self._chunks.append(chunk)
        else:
            self._chunks = []

    @property
    def body(self) -> bytes:
        if self._received > self._limit():
            raise self._too_large()
        if self._chunks and len(self._chunks) > 1:
            self._chunks = [b"".join(self._chunks)]
        return self._chunks[0] if self._chunks else b""

    def on_finish(self):
        if getattr(self, "_counted", False):
            self.application.settings["inflight"][0] -= 1

    # ---- input -------------------------------------------------------------------------------
    def json_body(self):
        if not self.body:
            raise AppError(400, "request.empty_body", "请求体不能为空")
        try:
            data = json.loads(self.body)
            storable.check(data)
            return data
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deeply
            raise AppError(400, "request.malformed_json", "请求体不是合法的 JSON") from None

    def load(self, schema, data=None):
        """schema.load(the JSON body) with 422 field errors."""
        data = self.json_body() if data is None else data
        if not isinstance(data, dict):
            raise AppError(400, "request.malformed_json", "请求体应为 JSON 对象")
        try:
            return schema.load(data)
        except ValidationError as err:
            raise AppError(422, "validation_failed", "提交的数据有误", details=flatten_errors(err.messages)) from None

    def load_query(self, schema):
        """schema.load(the query arguments given, empty ones left out), a bad one 400 by field."""
        data = {k: self.get_query_argument(k) for k in self.request.query_arguments if self.get_query_argument(k)}
        try:
            return schema.load(data, unknown=EXCLUDE)
        except ValidationError as err:
            raise AppError(400, "request.bad_query", "查询参数有误", details=flatten_errors(err.messages)) from None

    def query_arg(self, name: str, default=None, *, choices=None, as_int=False, lo=None, hi=None, required=False):
        value = self.get_query_argument(name, None)
        if value in (None, "") and required:
            raise AppError(400, "request.bad_query", f"缺少参数 {name}")
        if value in (None, ""):
            return default
        if choices is not None and value not in choices:
            raise AppError(400, "request.bad_query", f"参数 {name} 的取值无效", details={name: list(choices)})
        if as_int:
            try:
                value = int(value)
            except ValueError:
                raise AppError(400, "request.bad_query", f"参数 {name} 应为整数") from None
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise AppError(400, "request.bad_query", f"参数 {name} 应在 {lo} 到 {hi} 之间")
        return value

    def if_match(self, what: str = "所编辑的版本号") -> str:
        """The entity tag of If-Match (428 without one): what the client last read of the resource."""
        tag = etag_of(self.request.headers.get("If-Match", ""))
        if not tag:
            raise AppError(428, "request.if_match_required", f"请在 If-Match 中带上{what}")
        return tag

    def if_match_version(self) -> int:
        """If-Match as the version number of a versioned document (its ETag, `send_versioned`)."""
        tag = self.if_match()
        # A version MongoDB can compare (a larger one was a 500); digits only, not int()'s "+1" or "1_0".
        if not (tag.isascii() and tag.isdigit()) or int(tag) > MAX_INT:
            raise AppError(400, "request.bad_if_match", "If-Match 应为版本号")
        return int(tag)

    # ---- auth --------------------------------------------------------------------------------
    def current_claims(self) -> dict | None:
        if not hasattr(self, "_claims"):
            header = self.request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            self._claims = None
            if header:
                if scheme.lower() != "bearer" or not token:
                    raise AppError(401, "auth.token_invalid", "登录凭证无效")
                self._claims = self.deps.tokens.decode(token.strip())
        return self._claims

    async def resident(self) -> dict:
        """The logged-in resident (following a merge); use with @require_roles(kind="resident")."""
        return await residents.of_token(self.deps.db, self.current_claims())

    async def resident_id(self) -> str:
        return str((await self.resident())["_id"])

    def actor(self) -> dict:
        claims = self.current_claims() or {}
        return {"username": claims.get("username", claims.get("sub", "")), "role": claims.get("role", "")}

    # ---- output ------------------------------------------------------------------------------
    def send(self, obj, status: int = 200) -> None:
        self.set_status(status)
        self.finish(to_json(obj))

    def send_file(self, data: bytes, content_type: str, filename: str | None, etag: str | None = None) -> None:
        """A stored file. It is personal data: never cached (the default Cache-Control). Sandboxed
        and never sniffed (the default nosniff), so even a file opened as a page runs no script."""
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", content_disposition(content_type, filename))
        self.set_header("Content-Security-Policy", "sandbox")
        if etag:
            self.set_header("ETag", f'"{etag}"')
        self.finish(data)

    def send_prepared(self, prepared: Prepared) -> None:
        """A prepared body: 304 on a matching If-None-Match, its gzip when the client takes it."""
        self.set_header("ETag", prepared.etag)
        if prepared.etag in etags(self.request.headers.get("If-None-Match", "")):
            self.set_status(304)
            self.finish()
        elif (self.settings.get("compress_response") and len(prepared.body) >= GZIP_MIN
              and "gzip" in self.request.headers.get("Accept-Encoding", "")):
            self.set_header("Content-Encoding", "gzip")  # Tornado's compress_response then leaves it as it is
            self.finish(prepared.gzipped)
        else:
            self.finish(prepared.body)

    def send_versioned(self, schema, doc: dict, status: int = 200) -> None:
        """A versioned document, its version the ETag: the If-Match of the client's next edit."""
        self.set_header("ETag", f'"{doc["version"]}"')
        self.send(schema.dump(doc), status)

    def no_content(self) -> None:
        self.set_status(204)
        self.finish()

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = outage(kwargs.get("exc_info", (None, None, None))[1])
        if isinstance(exc, AppError):
            self.set_status(exc.status)
            for name, value in exc.headers.items():
                self.set_header(name, value)
            if exc.status == 413:  # the body is left unread: say the connection ends here
                self.set_header("Connection", "close")
            body = exc.to_dict()
        elif isinstance(exc, tornado.web.HTTPError) and status_code < 500:
            body = {"error": {"code": f"http.{status_code}", "message": _HTTP_MESSAGES.get(status_code, "请求有误")}}
        else:
            body = {"error": {"code": "internal", "message": "服务器内部错误，请稍后再试"}}
        self.set_header("Content-Type", "application/json; charset=utf-8")
        if self.request_id:
            self.set_header("X-Request-ID", self.request_id)
        self.finish(to_json(body))

    def log_exception(self, typ, value, tb) -> None:
        value = outage(value)
        if isinstance(value, AppError):
            if value.status >= 500:
                log.warning("%s %s -> %s", self.request.method, self.request.path, value,
                            extra={"request_id": self.request_id})
            return
        super().log_exception(typ, value, tb)


# MongoDB or Redis unreachable (down, failing over, a pool exhausted): nothing was lost, try again.
STORE_DOWN = (pymongo.errors.ConnectionFailure, pymongo.errors.WaitQueueTimeoutError,
              redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def outage(exc):
    """A store outage as the 503 the client should see; any other exception unchanged."""
    if isinstance(exc, STORE_DOWN):
        return AppError(503, "service.unavailable", "服务暂时不可用，请稍后再试", headers={"Retry-After": "5"},
                        details={"reason": type(exc).__name__})
    return exc


_HTTP_MESSAGES = {404: "接口不存在", 405: "不支持的请求方法", 400: "请求有误", 413: "请求体过大"}


class NotFoundHandler(BaseHandler):
    """Unknown paths answer JSON too, once the body is read, so the keep-alive connection stays
    usable for the client's next request (a refusal from `prepare` would leave it unread)."""

    def _not_found(self, *args, **kwargs):
        raise AppError(404, "route.not_found", "接口不存在")

    get = head = post = put = patch = delete = options = _not_found
