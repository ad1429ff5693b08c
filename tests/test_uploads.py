import hashlib
import os
import uuid

from support import resident_token

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + os.urandom(500)
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
    big = JPEG[:-2] + b"\x00" * (10 * 1024 * 1024) + b"\xff\xd9"
    r = await server.fetch("/api/v1/uploads", "POST", body=big, token=token)
    assert r.status == 413
    exact = JPEG[:-2] + b"\x00" * (10 * 1024 * 1024 - len(JPEG)) + b"\xff\xd9"
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

    blobs = GridFsBlobs(database["x"].database)
    assert await blobs.exists("0" * 64) is False
    await blobs.put("ab" * 32, b"bytes", "application/octet-stream")
    assert await blobs.exists("ab" * 32) and await blobs.get("ab" * 32) == b"bytes"


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
