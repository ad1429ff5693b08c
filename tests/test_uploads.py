import hashlib
import struct
import urllib.parse
import uuid
import zlib

import pytest

from models import uploads
from support import SHARED_APP, photo, resident_token

pytestmark = SHARED_APP  # each test uploads as its own resident

JPEG = photo()
PNG = photo("PNG")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def multipart(data: bytes, filename: str, field: str = "file") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def test_upload_raw_and_multipart_sniffed_from_content(server):
    token = await resident_token(server, "o-up")
    r = await server.fetch("/api/v1/uploads?filename=身份证正面.png", "POST", body=PNG, token=token,
                           headers={"Content-Type": "image/jpeg"})  # the client's type is ignored
    assert r.status == 201, r.body
    assert r.json["content_type"] == "image/png" and r.json["filename"] == "身份证正面.png"
    assert r.json["sha256"] == hashlib.sha256(PNG).hexdigest() and r.json["size"] == len(PNG)
    body, ctype = multipart(PDF, "证明.pdf")
    r = await server.fetch("/api/v1/uploads", "POST", body=body, token=token, headers={"Content-Type": ctype})
    assert r.status == 201 and r.json["content_type"] == "application/pdf" and r.json["filename"] == "证明.pdf"
    content = await server.fetch(f"/api/v1/uploads/{r.json['id']}/content", token=token)
    assert content.status == 200 and content.body == PDF and content.headers["Content-Type"] == "application/pdf"
    meta = await server.fetch(f"/api/v1/uploads/{r.json['id']}", token=token)
    assert meta.json == r.json


async def test_spoofed_oversized_and_empty_uploads(server):
    token = await resident_token(server, "o-bad")
    body, ctype = multipart(b"MZ\x90\x00 not an image", "photo.jpg")
    r = await server.fetch("/api/v1/uploads", "POST", body=body, token=token, headers={"Content-Type": ctype})
    assert r.status == 415 and r.json["error"]["code"] == "upload.unsupported_type"
    html = b"<html><script>alert(1)</script></html>"
    assert (await server.fetch("/api/v1/uploads?filename=a.pdf", "POST", body=html, token=token)).status == 415
    big = JPEG + b"\x00" * (10 * 1024 * 1024)
    r = await server.fetch("/api/v1/uploads", "POST", body=big, token=token)
    assert r.status == 413
    exact = JPEG + b"\x00" * (10 * 1024 * 1024 - len(JPEG))  # bytes after the image's end are ignored
    assert len(exact) == 10 * 1024 * 1024
    assert (await server.fetch("/api/v1/uploads", "POST", body=exact, token=token)).status == 201
    body, ctype = multipart(JPEG, "x.jpg", field="other")
    r = await server.fetch("/api/v1/uploads", "POST", body=body, token=token, headers={"Content-Type": ctype})
    assert r.status == 400 and r.json["error"]["code"] == "upload.no_file"
    r = await server.fetch("/api/v1/uploads", "POST", body=b"", token=token)
    assert r.status == 400


async def test_blob_lookups_on_an_empty_store(database):
    """Regression: GridFS's cursor `to_list` raised StopAsyncIteration on no match (PyMongo 4.20),
    so the first upload into an empty store answered 500."""
    from models.db import GridFsBlobs

    client = database["x"].database.client
    empty = client[f"empty_{uuid.uuid4().hex[:12]}"]  # the module's database already holds uploads
    try:
        blobs = GridFsBlobs(empty)
        assert await blobs.exists("0" * 64) is False
        await blobs.put("ab" * 32, b"bytes", "application/octet-stream")
        assert await blobs.exists("ab" * 32) and await blobs.get("ab" * 32) == b"bytes"
    finally:
        await client.drop_database(empty.name)


async def test_duplicates_are_stored_once_and_uploads_are_private(server):
    alice = await resident_token(server, "o-alice-up")
    bob = await resident_token(server, "o-bob-up")
    first = await server.fetch("/api/v1/uploads", "POST", body=JPEG, token=alice)
    again = await server.fetch("/api/v1/uploads", "POST", body=JPEG, token=alice)
    assert first.status == 201 and again.status == 200 and again.json["id"] == first.json["id"]
    bobs = await server.fetch("/api/v1/uploads", "POST", body=JPEG, token=bob)
    assert bobs.status == 201 and bobs.json["id"] != first.json["id"]
    blobs = server.deps.db.blobs
    sha = first.json["sha256"]
    assert await blobs.exists(sha)
    assert await server.deps.db["blobs.files"].count_documents({"filename": sha}) == 1  # one blob, three uploads
    for path in (f"/api/v1/uploads/{first.json['id']}", f"/api/v1/uploads/{first.json['id']}/content"):
        r = await server.fetch(path, token=bob)
        assert r.status == 404 and r.json["error"]["code"] == "upload.not_found"
    assert (await server.fetch("/api/v1/uploads/not-an-id", token=alice)).status == 404
    assert (await server.fetch(f"/api/v1/uploads/{first.json['id']}")).status == 401
    staff = await server.login()
    assert (await server.fetch(f"/api/v1/uploads/{first.json['id']}", token=staff)).status == 403


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of blank rows: a few KB that would decode into width × height pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    rows = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


async def test_images_are_decoded_and_kept_as_sent(server):
    token = await resident_token(server, "o-decode")
    before = await server.deps.db.uploads.count_documents({})
    for data, kind in [(photo(size=(300, 200)), "image/jpeg"), (photo("PNG", (300, 200)), "image/png")]:
        r = await server.fetch("/api/v1/uploads", "POST", body=data, token=token)
        assert r.status == 201 and r.json["content_type"] == kind, r.body
        content = await server.fetch(f"/api/v1/uploads/{r.json['id']}/content", token=token)
        assert content.body == data and r.json["sha256"] == hashlib.sha256(data).hexdigest()
    for data in (PNG[: len(PNG) // 2], PNG[:-12], JPEG[: len(JPEG) - 100], b"\xff\xd8\xff\xe0" + bytes(300) + b"\xff\xd9"):
        r = await server.fetch("/api/v1/uploads", "POST", body=data, token=token)
        assert r.status == 422 and r.json["error"]["code"] == "upload.corrupt_image", r.body
        assert r.json["error"]["message"] == "图片已损坏或不完整，请重新拍摄或选择"
    clerk = await server.login("processor.rsj", "Processor@2026")  # a department's result goes through the same check
    r = await server.fetch("/api/v1/staff/uploads", "POST", body=PNG[:-100], token=clerk)
    assert r.status == 422 and r.json["error"]["code"] == "upload.corrupt_image"
    assert await server.deps.db.uploads.count_documents({}) == before + 2


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
async def test_decompression_bombs_are_refused(server):
    token = await resident_token(server, "o-bomb")
    assert uploads.MAX_PIXELS == 50_000_000
    # past Pillow's own limit (twice MAX_PIXELS) it refuses at open; past MAX_PIXELS our check does
    for width, height in [(15_000, 15_000), (8_000, 6_251)]:
        bomb = png_bomb(width, height)
        assert len(bomb) < 100_000
        r = await server.fetch("/api/v1/uploads", "POST", body=bomb, token=token)
        assert r.status == 422 and r.json["error"]["code"] == "upload.image_too_large", r.body
        assert r.json["error"]["message"] == "图片尺寸过大（不能超过 5000 万像素）"
    r = await server.fetch("/api/v1/uploads", "POST", body=png_bomb(8_000, 6_250), token=token)
    assert r.status == 201, r.body


async def test_files_are_sent_sandboxed_never_sniffed_nor_cached(server):
    """A PDF can carry JavaScript: it is a download, never a page of ours; images show inline."""
    token = await resident_token(server, "o-headers")
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<<>>\n%%EOF\n"
    sent = {}
    for data, name in [(pdf, "缴费 证明.pdf"), (PNG, "photo.png")]:
        r = await server.fetch(f"/api/v1/uploads?filename={urllib.parse.quote(name)}", "POST", body=data, token=token)
        assert r.status == 201, r.body
        sent[name] = await server.fetch(f"/api/v1/uploads/{r.json['id']}/content", token=token)
    for r in sent.values():
        assert r.headers["Content-Security-Policy"] == "sandbox"
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    doc = sent["缴费 证明.pdf"]
    assert doc.body == pdf and doc.headers["Content-Type"] == "application/pdf"
    assert doc.headers["Content-Disposition"] == (
        "attachment; filename=\"__ __.pdf\"; filename*=UTF-8''%E7%BC%B4%E8%B4%B9%20%E8%AF%81%E6%98%8E.pdf")
    assert sent["photo.png"].headers["Content-Disposition"] == "inline; filename=\"photo.png\"; filename*=UTF-8''photo.png"
