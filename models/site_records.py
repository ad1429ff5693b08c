"""现场笔录 (on-site record): what the inspector saw and did at the scene, as a PDF the party signs
on the device (or refuses to sign, which the record then says). It is made from the case as it is:
the 现场写实 (facts, the party's statements, measures), the place and time, the evidence files. Like
the 决定书 it is kept as a blob, listed in `documents`, verifiable by its QR code, and its SHA-256
joins the case's hash chain in one `document_issued` event; unlike it, the case's state does not
change (a record may be made at any step before the case is closed, and again after an edit)."""

import asyncio
import hashlib
import uuid

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ReturnDocument

from models import cases, clock, decision_pdf, documents
from models.db import MAX_INT
from models.errors import AppError

KIND = "site_record"
RECORD_FROM = ("draft", "registered", "returned", "under_review", "decided")


class SiteRecordSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(0, MAX_INT))
    signature = fields.String(load_default=None, validate=validate.Length(16, documents.SIGNATURE_MAX * 4 // 3 + 64))
    party_refused = fields.Boolean(load_default=False)  # 当事人拒绝签名: recorded instead of a signature

    @validates_schema
    def _signed_or_refused(self, data, **kwargs):
        if bool(data["signature"]) == data["party_refused"]:
            raise ValidationError("请当事人签名，或记录当事人拒绝签名（二者选一）", "signature")


def _texts(case: dict, staff: dict, number: str, issued_at, verify_url: str) -> dict:
    record = case.get("record", {})
    statements = "；".join(f"{s['who']}：{s['text']}" for s in record.get("statements", []))
    evidence = case.get("evidence", [])
    listed = "；".join(f"{'照片' if e.get('kind') == 'photo' else '视频'} SHA-256 {e['sha256'][:16]}…" for e in evidence[:10])
    return {
        "number": number, "case_number": case.get("number") or "（尚未立案）", **documents.case_facts(case),
        "statements": statements, "measures": record.get("measures", ""),
        "evidence": f"共 {len(evidence)} 份：{listed}" + ("等" if len(evidence) > 10 else "") if evidence else "",
        **documents.inspector_facts(case, staff),
        "issued_at": issued_at.astimezone(clock.BEIJING).strftime("%Y年%m月%d日 %H:%M"), "verify_url": verify_url,
    }


async def issue(db, case_id: str, body: dict, claims: dict, public_url: str) -> tuple[dict, dict]:
    """Make the case's 现场笔录: (document, case). 409 on a stale version or a closed case."""
    case = await cases.get(db, case_id, claims)
    if claims.get("role") != "inspector" or case["inspector"] != claims["username"]:
        raise AppError(403, "auth.forbidden", "只有办案的执法队员可以制作现场笔录")
    if body["version"] != case["version"]:
        raise cases.conflict(case, "案件已被更新，请以最新版本为准")
    if case["state"] not in RECORD_FROM:
        raise cases.conflict(case, f"案件当前状态（{case['state']}）不能制作现场笔录")
    signature = documents.signature_png(body["signature"]) if body["signature"] else None
    staff = await db.staff.find_one({"username": claims["username"]}) or {"username": claims["username"]}
    doc_id = uuid.uuid4().hex
    verify_url = f"{public_url.rstrip('/')}/api/v1/enforcement/documents/{doc_id}/verify"
    issued_at = cases.now()
    number = f"XC{issued_at.astimezone(clock.BEIJING):%Y%m%d}{doc_id[:6].upper()}"  # the record's own number
    texts = _texts(case, staff, number, issued_at, verify_url)
    pdf = await asyncio.get_running_loop().run_in_executor(None, decision_pdf.render_site_record, texts, signature)
    sha256 = hashlib.sha256(pdf).hexdigest()
    sig_sha256 = hashlib.sha256(signature).hexdigest() if signature else None
    await documents.keep_blobs(db, (sha256, pdf, "application/pdf"),
                               *([(sig_sha256, signature, "image/png")] if signature else []))
    service = {"method": "on_spot", "consent": False, "at": issued_at.isoformat(timespec="milliseconds"),
               "party_refused": body["party_refused"]}
    record = {"id": doc_id, "kind": KIND, "number": number, "sha256": sha256, "size": len(pdf),
              "signature_sha256": sig_sha256, "party_refused": body["party_refused"]}
    updated = await db.cases.find_one_and_update(
        {"_id": case_id, "version": case["version"]},
        {"$set": {"version": case["version"] + 1, "updated_at": issued_at},
         "$push": {"events": cases.new_event(case, "document_issued", claims, {"action": KIND, "document": record})}},
        return_document=ReturnDocument.AFTER)
    if updated is None:
        raise cases.conflict(await cases.get(db, case_id, claims), "案件已被更新，请以最新版本为准")
    document = {"_id": doc_id, "case_id": case_id, "kind": KIND, "number": number, "sha256": sha256, "size": len(pdf),
                "signature_sha256": sig_sha256, "penalty": None, "service": service, "service_phone": None,
                "issued_by": claims["username"], "issued_at": issued_at, "verify_url": verify_url}
    await db.documents.insert_one(document)
    return document, updated
