"""Evidence files for enforcement cases: photos and short videos.

Up to 10 MB a file goes in one request; larger files (up to 200 MB) in resumable chunks: the app
opens an upload with the file's size and SHA-256, sends chunks in any order and again after a
broken connection (a chunk already held is accepted again), asks which chunks are still missing,
then attaches the upload to the case, which assembles the file and checks its SHA-256. Files are
stored once by SHA-256; the server records its own receipt time beside the app's capture time,
GPS and device id.
"""

import datetime as dt
import hashlib
import uuid

from bson import Binary
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING

from models.db import ttl_index
from models.errors import AppError, NotFound

DIRECT_MAX = 10 * 1024 * 1024
CHUNKED_MAX = 200 * 1024 * 1024
CHUNK = 1024 * 1024
UNFINISHED_TTL = 7 * 86400  # seconds an unfinished resumable upload is kept


class CaptureSchema(Schema):
    captured_at = fields.AwareDateTime(required=True, format="iso")
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    device_id = fields.String(required=True, validate=validate.Length(1, 64))


class AttachSchema(CaptureSchema):
    upload_id = fields.String(required=True, validate=validate.Length(32, 32))


class UploadStartSchema(Schema):
    size = fields.Integer(required=True, validate=validate.Range(DIRECT_MAX // 10, CHUNKED_MAX))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}\Z", error="应为 64 位小写十六进制"))


def kind_of(data: bytes) -> tuple[str, str]:
    """(kind, content type) from the file's own bytes: photos and MP4/MOV videos only."""
    if data.startswith(b"\xff\xd8\xff"):
        return "photo", "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "photo", "image/png"
    if data[4:8] == b"ftyp":
        return "video", "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    raise AppError(415, "evidence.unsupported", "只支持照片（JPEG/PNG）和视频（MP4/MOV）")


async def ensure_indexes(db) -> None:
    # an upload not finished within a week is dropped with its chunks (the phone starts it again)
    await ttl_index(db.evidence_uploads, "created_at", UNFINISHED_TTL)
    await ttl_index(db.evidence_chunks, "at", UNFINISHED_TTL)
    await db.evidence_chunks.create_index([("upload", ASCENDING), ("n", ASCENDING)])


async def store(db, data: bytes, capture: dict, actor: str) -> dict:
    """Keep the file (once per SHA-256) and return the evidence entry for the case."""
    kind, content_type = kind_of(data)
    sha256 = hashlib.sha256(data).hexdigest()
    if not await db.blobs.exists(sha256):
        await db.blobs.put(sha256, data, content_type)
    return {"sha256": sha256, "kind": kind, "content_type": content_type, "size": len(data),
            "captured_at": capture["captured_at"].astimezone(dt.UTC).isoformat(timespec="seconds"),
            "gps": {"lng": capture["lng"], "lat": capture["lat"]}, "device_id": capture["device_id"],
            "received_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "by": actor}


async def of_case(db, case: dict, sha256: str) -> tuple[dict, bytes]:
    """A file the case lists (its evidence entry and bytes): a blob not on this case is not shown."""
    item = next((e for e in case.get("evidence", []) if e["sha256"] == sha256), None)
    if item is None:
        raise NotFound("evidence.not_found", "证据不存在")
    return item, await db.blobs.get(sha256)


async def start(db, case_id: str, body: dict, actor: str) -> dict:
    doc = {"_id": uuid.uuid4().hex, "case": case_id, "size": body["size"], "sha256": body["sha256"], "chunk": CHUNK,
           "chunks": -(-body["size"] // CHUNK), "by": actor, "created_at": dt.datetime.now(dt.UTC)}
    await db.evidence_uploads.insert_one(doc)
    return await status(db, doc["_id"], actor)


async def _upload(db, upload_id: str, actor: str) -> dict:
    doc = await db.evidence_uploads.find_one({"_id": upload_id})
    if doc is None or doc["by"] != actor:
        raise NotFound("upload.not_found", "上传不存在")
    return doc


async def status(db, upload_id: str, actor: str) -> dict:
    doc = await _upload(db, upload_id, actor)
    held = {c["n"] for c in await db.evidence_chunks.find({"upload": upload_id}, {"n": 1}).to_list(None)}
    missing = [n for n in range(doc["chunks"]) if n not in held]
    return {"upload_id": upload_id, "case_id": doc["case"], "size": doc["size"], "chunk_size": doc["chunk"],
            "chunks": doc["chunks"], "received": sorted(held), "missing": missing}


async def put_chunk(db, upload_id: str, n: int, data: bytes, actor: str) -> dict:
    doc = await _upload(db, upload_id, actor)
    if not 0 <= n < doc["chunks"]:
        raise AppError(422, "upload.bad_chunk", f"分片序号应在 0 到 {doc['chunks'] - 1} 之间")
    expected = min(doc["chunk"], doc["size"] - n * doc["chunk"])
    if len(data) != expected:
        raise AppError(422, "upload.bad_chunk", f"第 {n} 片应为 {expected} 字节，收到 {len(data)} 字节")
    await db.evidence_chunks.update_one({"_id": f"{upload_id}:{n}"},
                                        {"$set": {"upload": upload_id, "n": n, "data": Binary(data),
                                                 "at": dt.datetime.now(dt.UTC)}}, upsert=True)
    return await status(db, upload_id, actor)


async def assemble(db, upload_id: str, case_id: str, actor: str) -> bytes:
    """The whole file, checked against the declared size and SHA-256; the chunks are then dropped."""
    state = await status(db, upload_id, actor)
    if state["case_id"] != case_id:
        raise AppError(422, "upload.other_case", "该上传属于另一个案件")
    if state["missing"]:
        raise AppError(409, "upload.incomplete", "还有分片未上传", details={"missing": state["missing"][:50]})
    chunks = await db.evidence_chunks.find({"upload": upload_id}).sort("n", ASCENDING).to_list(None)
    data = b"".join(bytes(c["data"]) for c in chunks)
    doc = await _upload(db, upload_id, actor)
    if len(data) != doc["size"] or hashlib.sha256(data).hexdigest() != doc["sha256"]:
        raise AppError(422, "upload.corrupt", "文件校验失败（SHA-256 不符），请重新上传")
    return data


async def finish(db, upload_id: str) -> None:
    await db.evidence_chunks.delete_many({"upload": upload_id})
    await db.evidence_uploads.delete_one({"_id": upload_id})
