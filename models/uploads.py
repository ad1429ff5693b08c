"""Uploads: the type sniffed from the content, at most 10 MB, content-addressed by SHA-256.

Images are decoded once before they are kept: a truncated or corrupt one, or one of more pixels
than MAX_PIXELS (a decompression bomb), is refused; the bytes are kept as sent.
The same bytes are stored once (the blob is named by its hash); each owner gets one upload
record per distinct file, and only the owner can read it.
"""

import asyncio
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor

from bson import ObjectId
from bson.errors import InvalidId
from marshmallow import Schema, fields
from PIL import Image
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from models.clock import now_ms
from models.errors import AppError, NotFound

MAX_BYTES = 10 * 1024 * 1024
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; a PNG that large decodes into 200 MB
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, at open: it warns past this, refuses past twice it
PILLOW_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}}  # MPO: a phone's JPEG with a preview
# Decoding is CPU and memory: off the event loop, and at most two images at once per process.
_decoder = ThreadPoolExecutor(2, thread_name_prefix="image-check")


class UploadSchema(Schema):
    id = fields.Function(lambda u: str(u["_id"]))
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.AwareDateTime()


def sniff(data: bytes) -> str:
    """The content type from the bytes themselves (never the file name or the client's header)."""
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]:
        return "application/pdf"
    raise AppError(415, "upload.unsupported_type", "只支持 JPG、PNG 图片和 PDF 文件")


def check_image(data: bytes, content_type: str) -> None:
    """Decode the whole image (Pillow): refuse a truncated, corrupt or too large one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in PILLOW_FORMATS[content_type]:
                raise SyntaxError(image.format)
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError(image.size)
            image.verify()  # every chunk's CRC, to the end (PNG)
        with Image.open(io.BytesIO(data)) as image:
            # a JPEG is decoded at 1/8 scale (1/64 of the memory): still every byte of its data
            image.draft(image.mode, (image.width // 8, image.height // 8))
            image.load()  # a truncated file fails here
    except Image.DecompressionBombError:
        raise AppError(422, "upload.image_too_large", f"图片尺寸过大（不能超过 {MAX_PIXELS // 10_000} 万像素）") from None
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, struct.error, ... for bad data
        raise AppError(422, "upload.corrupt_image", "图片已损坏或不完整，请重新拍摄或选择") from None


def clean_filename(name: str | None, content_type: str) -> str:
    base = re.sub(r"[\\/\x00-\x1f<>:\"|?*]+", "_", (name or "").strip())[:100].strip(". ")
    ext = TYPES[content_type]
    if not base:
        return "upload" + ext
    return base if base.lower().endswith(ext) or (ext == ".jpg" and base.lower().endswith(".jpeg")) else base + ext


async def ensure_indexes(db) -> None:
    await db.uploads.create_index([("owner", ASCENDING), ("sha256", ASCENDING)], unique=True)


async def store(db, owner: str, data: bytes, filename: str | None) -> tuple[dict, bool]:
    """Returns (the upload, created). The same file from the same owner returns the first upload."""
    if not data:
        raise AppError(400, "upload.empty", "文件为空")
    if len(data) > MAX_BYTES:
        raise AppError(413, "upload.too_large", "文件不能超过 10 MB")
    content_type = sniff(data)
    if content_type in PILLOW_FORMATS:
        await asyncio.get_running_loop().run_in_executor(_decoder, check_image, data, content_type)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await db.uploads.find_one({"owner": owner, "sha256": sha256})
    if existing:
        return existing, False
    await db.blobs.put(sha256, data, content_type)
    doc = {"owner": owner, "sha256": sha256, "size": len(data), "content_type": content_type,
           "filename": clean_filename(filename, content_type), "created_at": now_ms()}
    try:
        result = await db.uploads.insert_one(doc)
    except DuplicateKeyError:  # the same file sent twice at once
        return await db.uploads.find_one({"owner": owner, "sha256": sha256}), False
    return {**doc, "_id": result.inserted_id}, True


async def give(db, upload: dict, owner: str) -> dict:
    """`owner`'s own upload of a file someone else stored (a department's result document): the
    bytes are kept once, so this is only a record; the same file given twice is one upload."""
    doc = {"owner": owner, "sha256": upload["sha256"], "size": upload["size"], "content_type": upload["content_type"],
           "filename": upload.get("filename"), "created_at": now_ms()}
    try:
        result = await db.uploads.insert_one(doc)
    except DuplicateKeyError:
        return await db.uploads.find_one({"owner": owner, "sha256": upload["sha256"]})
    return {**doc, "_id": result.inserted_id}


async def get(db, owner: str, upload_id: str) -> dict:
    """The owner's upload; anyone else's is 'not found', never 'forbidden'."""
    try:
        oid = ObjectId(upload_id)
    except (InvalidId, TypeError):
        raise NotFound("upload.not_found", "文件不存在") from None
    doc = await db.uploads.find_one({"_id": oid})
    if doc is None or doc["owner"] != owner:
        raise NotFound("upload.not_found", "文件不存在")
    return doc


async def owned(db, owner: str, upload_ids: list[str]) -> dict[str, dict]:
    """The owner's uploads among `upload_ids`, by the id as given, in one query; an id that is not
    an ObjectId, unknown, or someone else's is simply absent."""
    oids = {}
    for upload_id in upload_ids:
        try:
            oids[upload_id] = ObjectId(upload_id)
        except (InvalidId, TypeError):
            continue
    if not oids:
        return {}
    docs = await db.uploads.find({"_id": {"$in": sorted(set(oids.values()))}, "owner": owner}).to_list(None)
    by_oid = {doc["_id"]: doc for doc in docs}
    return {upload_id: by_oid[oid] for upload_id, oid in oids.items() if oid in by_oid}


async def content(db, owner: str, upload_id: str) -> tuple[dict, bytes]:
    doc = await get(db, owner, upload_id)
    return doc, await blob(db, doc["sha256"])


async def blob(db, sha256: str) -> bytes:
    """The bytes of a stored file, by its SHA-256 (an upload's, a result's, a material's)."""
    return await db.blobs.get(sha256)
