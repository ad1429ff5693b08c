"""Case documents (文书): the 当场行政处罚决定书 of a case decided on the spot (行政处罚法 第五十一条).

The inspector's app sends the penalty, the party's signature (a PNG drawn on the device) and how
the document was served (送达: handed over on the spot, or electronically with the party's consent
and phone). The server numbers the case if it has no number yet, renders the PDF, keeps it and the
signature as blobs, and appends one event carrying both SHA-256 to the case's hash chain, so
`cases.verify` covers the document too. The case is then `decided`.
"""

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import io
import secrets
import uuid

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from PIL import Image
from pymongo import ASCENDING, ReturnDocument

from models import cases, clock, decision_pdf
from models.db import MAX_INT
from models.errors import AppError, NotFound
from models.pii import mask_phone

KIND = "spot_decision"
KIND_NAMES = {"spot_decision": "当场行政处罚决定书", "site_record": "现场笔录"}
SERVICE_LINK_DAYS = 90  # how long the party's link in the 电子送达 SMS opens the document
SPOT_LIMITS = {"person": 200, "business": 3000}  # 行政处罚法 第五十一条
SPOT_FROM = ("draft", "returned", "registered")
SIGNATURE_MAX = 512 * 1024  # bytes of PNG


class PenaltySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["warning", "fine"]))
    amount = fields.Integer(load_default=0, validate=validate.Range(0, SPOT_LIMITS["business"]))

    @validates_schema
    def _amount(self, data, **kwargs):
        if data["kind"] == "fine" and data["amount"] < 1:
            raise ValidationError("罚款金额应为正整数（元）", "amount")
        if data["kind"] == "warning" and data["amount"]:
            raise ValidationError("警告不应有罚款金额", "amount")


class ServiceSchema(Schema):  # 送达
    method = fields.String(required=True, validate=validate.OneOf(["on_spot", "electronic"]))
    phone = fields.String(validate=validate.Regexp(r"^1[3-9]\d{9}\Z", error="手机号码格式不正确"))
    consent = fields.Boolean(load_default=False)

    @validates_schema
    def _electronic(self, data, **kwargs):
        if data["method"] == "electronic":
            if not data.get("phone"):
                raise ValidationError("电子送达须填写当事人手机号码", "phone")
            if not data["consent"]:
                raise ValidationError("电子送达须经当事人同意", "consent")


class SpotDecisionSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    penalty = fields.Nested(PenaltySchema, required=True)
    service = fields.Nested(ServiceSchema, required=True)
    signature = fields.String(required=True, validate=validate.Length(16, SIGNATURE_MAX * 4 // 3 + 64))  # base64 PNG


class DocumentViewSchema(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    kind = fields.String()
    kind_name = fields.Function(lambda d: KIND_NAMES.get(d["kind"], d["kind"]))
    number = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    signature_sha256 = fields.String()
    penalty = fields.Dict()
    service = fields.Dict(attribute="service_view")
    service_sms = fields.Dict(attribute="sms_view", allow_none=True)  # 电子送达: the SMS's last outcome
    service_opened_at = fields.AwareDateTime(allow_none=True)  # when the party first opened the link
    issued_by = fields.String()
    issued_at = fields.AwareDateTime()
    verify_url = fields.String()


class PublicCheckSchema(Schema):
    """What anyone scanning the QR code learns: never the party."""
    number = fields.String()
    kind = fields.String()
    sha256 = fields.String()
    issued_at = fields.String()
    valid = fields.Boolean()
    message = fields.String()


async def ensure_indexes(db) -> None:
    await db.documents.create_index([("case_id", ASCENDING)])
    await db.documents.create_index([("service_link.hash", ASCENDING)], sparse=True)


def signature_png(text: str) -> bytes:
    """The signature's PNG bytes, decoded whole by Pillow: a real, non-blank image of sane size."""
    raw = text.split(",", 1)[1] if text.startswith("data:") else text
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise _bad_signature("签名应为 PNG 图片的 base64") from None
    if len(data) > SIGNATURE_MAX or not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _bad_signature("签名应为不超过 512 KB 的 PNG 图片")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or not (40 <= image.width <= 2000 and 20 <= image.height <= 1000):
                raise _bad_signature("签名图片尺寸应在 40×20 到 2000×1000 像素之间")
            image.load()
            ink = _ink(image)
    except AppError:
        raise
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError... for bad data
        raise _bad_signature("签名图片已损坏") from None
    if ink < 0.002:
        raise _bad_signature("签名为空，请当事人签名")
    return data


def _ink(image: Image.Image) -> float:
    """The share of pixels that are drawn (dark and not transparent)."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, rgba).convert("L")
    dark = sum(grey.histogram()[:160])
    return dark / (grey.width * grey.height)


def _bad_signature(message: str) -> AppError:
    return AppError(422, "validation_failed", message, details={"signature": [message]})


def party_kind(case: dict) -> str:
    return "business" if any(p["kind"] == "business" for p in case.get("parties", [])) else "person"


def case_facts(case: dict) -> dict:
    """What every document of a case says of it, as plain text: party, vehicle, facts, place, time."""
    parties = case.get("parties", [])
    who = next((p for p in parties if p["kind"] in ("person", "business")), None)
    party = ""
    if who:
        ident = who.get("id_number_masked") or who.get("licence_no") or ""
        party = f"{who.get('name', '')}" + (f"（{'身份证号' if who['kind'] == 'person' else '统一社会信用代码'} {ident}）"
                                             if ident else "")
    vehicle = next((p.get("plate", "") for p in parties if p["kind"] == "vehicle"), "")
    record = case.get("record", {})
    observed = record.get("observed_at")
    return {
        "party": party, "vehicle": vehicle, "facts": record.get("facts", ""),
        "place": record.get("address") or "{:.6f}, {:.6f}".format(*case["location"]["coordinates"]),
        "observed_at": observed.astimezone(clock.BEIJING).strftime("%Y年%m月%d日 %H:%M") if observed else "",
    }


def inspector_facts(case: dict, staff: dict) -> dict:
    return {"inspector": staff.get("display_name") or staff["username"], "badge_no": staff.get("badge_no") or "未登记",
            "team": case.get("team") or ""}


async def keep_blobs(db, *files: tuple[str, bytes, str]) -> None:
    """(sha256, bytes, content type) each stored once."""
    for digest, data, kind in files:
        if not await db.blobs.exists(digest):
            await db.blobs.put(digest, data, kind)


def _texts(case: dict, body: dict, number: str, staff: dict, issued_at: dt.datetime, verify_url: str) -> dict:
    penalty = body["penalty"]
    service = body["service"]
    return {
        "number": number, **case_facts(case),
        "legal_basis": case["legal_basis"],
        "penalty_text": "警告" if penalty["kind"] == "warning" else f"罚款人民币 {penalty['amount']} 元",
        **inspector_facts(case, staff),
        "service_text": "当场交付当事人" if service["method"] == "on_spot"
        else f"经当事人同意电子送达（手机 {mask_phone(service['phone'])}）",
        "issued_at": issued_at.astimezone(clock.BEIJING).strftime("%Y年%m月%d日 %H:%M"), "verify_url": verify_url,
    }


def _check(case: dict, body: dict, claims: dict) -> None:
    if claims.get("role") != "inspector" or case["inspector"] != claims["username"]:
        raise AppError(403, "auth.forbidden", "只有办案的执法队员可以当场作出处罚决定")
    if body["version"] != case["version"]:
        raise cases.conflict(case, "案件已被更新，请以最新版本为准")
    if case["state"] not in SPOT_FROM:
        raise cases.conflict(case, f"案件当前状态（{case['state']}）不能当场处罚")
    if not case.get("legal_basis", "").strip():
        raise AppError(422, "validation_failed", "请先选择违法行为（法律依据）", details={"legal_basis": ["缺少法律依据"]})
    limit = SPOT_LIMITS[party_kind(case)]
    if body["penalty"]["amount"] > limit:
        message = f"当场处罚的罚款不能超过 {limit} 元（{'单位' if limit > 200 else '个人'}），请适用普通程序"
        raise AppError(422, "validation_failed", message, details={"penalty": {"amount": [message]}})


async def issue(db, pii, case_id: str, body: dict, claims: dict, public_url: str) -> tuple[dict, dict]:
    """Decide the case on the spot: (document, case). 409 on a stale version or a wrong state."""
    case = await cases.get(db, case_id, claims)
    _check(case, body, claims)
    signature = signature_png(body["signature"])
    staff = await db.staff.find_one({"username": claims["username"]}) or {"username": claims["username"]}
    doc_id = uuid.uuid4().hex
    verify_url = f"{public_url.rstrip('/')}/api/v1/enforcement/documents/{doc_id}/verify"
    service = body["service"]
    loop = asyncio.get_running_loop()

    async def write(session) -> tuple[dict, dict]:
        number = case.get("number") or await cases.next_number(db, session)
        issued_at = cases.now()
        texts = _texts(case, body, number, staff, issued_at, verify_url)
        pdf = await loop.run_in_executor(None, decision_pdf.render, texts, signature)
        sha256, sig_sha256 = hashlib.sha256(pdf).hexdigest(), hashlib.sha256(signature).hexdigest()
        await keep_blobs(db, (sha256, pdf, "application/pdf"), (sig_sha256, signature, "image/png"))
        served = {"method": service["method"], "consent": service["consent"], "at": issued_at.isoformat(timespec="milliseconds"),
                  **({"phone_masked": mask_phone(service["phone"])} if service["method"] == "electronic" else {})}
        record = {"id": doc_id, "kind": KIND, "sha256": sha256, "size": len(pdf), "signature_sha256": sig_sha256,
                  "penalty": body["penalty"], "service": served}
        data = {"action": "spot_decision", "from": case["state"], "to": "decided", "number": number, "document": record}
        updated = await db.cases.find_one_and_update(
            {"_id": case_id, "version": case["version"]},
            {"$set": {"state": "decided", "number": number, "version": case["version"] + 1, "updated_at": issued_at},
             "$push": {"events": cases.new_event(case, "document_issued", claims, data)}},
            return_document=ReturnDocument.AFTER, session=session)
        if updated is None:
            raise cases.Stale
        document = {"_id": doc_id, "case_id": case_id, "kind": KIND, "number": number, "sha256": sha256, "size": len(pdf),
                    "signature_sha256": sig_sha256, "penalty": body["penalty"], "service": served,
                    "service_phone": pii.encrypt(service["phone"]) if service.get("phone") else None,
                    "issued_by": claims["username"], "issued_at": issued_at, "verify_url": verify_url}
        await db.documents.insert_one(document, session=session)
        return document, updated

    try:
        return await db.transaction(write)
    except cases.Stale:
        raise cases.conflict(await cases.get(db, case_id, claims), "案件已被更新，请以最新版本为准") from None


def view(document: dict) -> dict:
    sms = document.get("service_sms") or None
    return DocumentViewSchema().dump({**document, "service_view": document["service"],
                                      "service_opened_at": document.get("service_opened_at"),
                                      "sms_view": sms and {k: v for k, v in sms.items() if k != "biz_id"}})


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_service_link(db, document: dict) -> str:
    """A new link token for the party's 电子送达 SMS; the one sent before stops opening the
    document (only the hash is kept: the database never holds a working link)."""
    token = secrets.token_urlsafe(12)  # 16 characters, 96 bits: fits one SMS template variable
    expires = clock.now_ms() + dt.timedelta(days=SERVICE_LINK_DAYS)
    await db.documents.update_one({"_id": document["_id"]},
                                  {"$set": {"service_link": {"hash": _link_hash(token), "expires_at": expires}}})
    return token


async def record_sms(db, doc_id: str, outcome: dict) -> dict:
    """The SMS's outcome ({status: sent | failed, at, biz_id | reason}); the document after it."""
    found = await db.documents.find_one_and_update({"_id": doc_id}, {"$set": {"service_sms": outcome}},
                                                   return_document=ReturnDocument.AFTER)
    if found is None:
        raise NotFound("document.not_found", "文书不存在")
    return found


async def electronic_of(db, doc_id: str, claims: dict) -> dict:
    """A document served electronically, of a case this staff member sees (to send its SMS again)."""
    document = await db.documents.find_one({"_id": doc_id})
    if document is None:
        raise NotFound("document.not_found", "文书不存在")
    await cases.get(db, document["case_id"], claims)
    if document["service"]["method"] != "electronic" or not document.get("service_phone"):
        raise AppError(409, "document.not_electronic", "该文书不是电子送达，无须发送短信")
    return document


async def by_service_link(db, token: str) -> tuple[dict, bytes]:
    """The document and its PDF for the party's link; the first opening is recorded (送达 by
    electronic means takes effect when the document reaches the party's system: this is our proof)."""
    document = await db.documents.find_one({"service_link.hash": _link_hash(token)})
    if document is None or document["service_link"]["expires_at"] <= clock.now():
        raise NotFound("document.link_invalid", "链接无效或已过期，请联系作出决定的执法机关")
    if document.get("service_opened_at") is None:
        opened = clock.now_ms()
        await db.documents.update_one({"_id": document["_id"], "service_opened_at": None},
                                      {"$set": {"service_opened_at": opened}})
        document["service_opened_at"] = opened
    return document, await db.blobs.get(document["sha256"])


async def of_case(db, case_id: str, claims: dict) -> list[dict]:
    await cases.get(db, case_id, claims)
    return await db.documents.find({"case_id": case_id}).sort("issued_at", ASCENDING).to_list(None)


async def get(db, doc_id: str, claims: dict) -> tuple[dict, bytes]:
    """The document and its PDF, for staff who see its case."""
    document = await db.documents.find_one({"_id": doc_id})
    if document is None:
        raise NotFound("document.not_found", "文书不存在")
    await cases.get(db, document["case_id"], claims)
    return document, await db.blobs.get(document["sha256"])


async def public_check(db, doc_id: str) -> dict:
    """What the QR code's page shows anyone: the document exists, is intact and on an intact chain.
    No party data: only the number, the kind, the date and the hash."""
    document = await db.documents.find_one({"_id": doc_id})
    case = document and await db.cases.find_one({"_id": document["case_id"]})
    if case is None:
        raise NotFound("document.not_found", "文书不存在")
    # anyone may ask: the chain's hashes and this one PDF are checked, never the (large) evidence files
    listed = any(e["data"].get("document", {}).get("sha256") == document["sha256"] for e in case["events"])
    try:
        data = await db.blobs.get(document["sha256"])
    except Exception:
        data = None
    valid = listed and cases.broken_link(case) is None and data is not None and \
        hashlib.sha256(data).hexdigest() == document["sha256"]
    return {"number": document["number"], "kind": KIND_NAMES.get(document["kind"], "文书"), "sha256": document["sha256"],
            "issued_at": document["issued_at"].isoformat(), "valid": valid,
            "message": "文书真实有效，与案件证据链一致" if valid else "文书或案件记录校验失败"}
