"""Joining a login to an existing resident once the person behind it proves it (models/links.py):
the request from real-name verification, the SMS code, face verification, approval from a linked
session, and undoing a merge."""

from models import audit, inbox, links, residents
from models.errors import AppError, Conflict, Invalid
from models.links import LinkViewSchema
from models.residents import ResidentViewSchema
from usecases import face_checks
from usecases.resident_sessions import tokens_for


def offer(link: dict, target: dict, faces: dict) -> dict:
    """What the requesting login is told: the request, and the proofs it may bring (`faces`: the
    channels with face verification)."""
    phone = target.get("phone") or {}
    proofs = (["sms"] if phone else []) + ["approval"] + (["face"] if link["channel"] in faces else [])
    return {**LinkViewSchema().dump(link), "proofs": proofs, "phone": phone.get("masked")}


CHANNEL_NAMES = {"wechat": "微信", "alipay": "支付宝", "app": "手机App"}


async def request(db, claims: dict, me: dict, holder: dict, name: str, id_number: str, *, pii, faces: dict) -> dict:
    link = await links.request(db, me, holder, channel=claims["aud"], pii=pii, name=name,
                               id_number=residents.check_id_number(id_number))
    # the holder hears of it in their inbox (one message per request), not only when they open 我的
    channel = CHANNEL_NAMES.get(link["channel"], link["channel"])
    await inbox.write_many(db, [{
        "_id": f"link:{link['_id']}", "owner": str(holder["_id"]), "title": "账号关联申请", "number": "",
        "body": f"有一个新的{channel}登录申请关联您的账号。如是您本人操作，请在“我的”页面批准；如不是，请拒绝。",
        "at": link["created_at"].isoformat(), "created_at": link["created_at"], "read": False}])
    return offer(link, holder, faces)


async def overview(db, me: dict, *, faces: dict) -> dict:
    """For GET /me: pending requests either way, and the merges into this resident."""
    pending = await links.of_resident(db, me["_id"])
    outgoing = []
    for link in pending["outgoing"]:
        try:
            outgoing.append(offer(link, await residents.get(db, link["target"]), faces))
        except AppError:  # the resident asked about is gone: nothing to prove any more
            continue
    merges = await residents.list_merges(db, 20, target=me["_id"])
    return {"incoming": LinkViewSchema(many=True).dump(pending["incoming"]), "outgoing": outgoing,
            "merges": [{"id": str(m["_id"]), "at": m["at"].isoformat(), "via": m.get("via"),
                        "channels": [c["channel"] for c in m["moved"]["channels"]],
                        "undone_at": m["reverted_at"].isoformat() if m.get("reverted_at") else None}
                       for m in merges]}


def _phone_of(pii, target: dict) -> str:
    phone = target.get("phone")
    if not phone:
        raise Conflict("link.no_phone", "该账号未登记手机号，请在已登录该账号的设备上批准，或进行人脸核身")
    return pii.decrypt(phone["enc"])


async def send_code(db, claims: dict, link_id: str, ip: str, *, pii, codes, sms, template: str) -> dict:
    """A code to the phone of the resident asked about (`codes`: the link codes' store)."""
    me = await residents.of_token(db, claims)
    link = await links.pending(db, link_id, source=me["_id"])
    target = await residents.get(db, link["target"])
    phone = _phone_of(pii, target)

    async def send(to: str, code: str) -> None:
        await sms.send(to, template, {"code": code})

    await codes.issue(phone, ip, send, scope=str(link["_id"]))
    return {"sent": True, "phone": target["phone"]["masked"], "expires_in": 300}


async def start_face(db, claims: dict, link_id: str, *, pii, faces: dict) -> dict:
    """Open a face verification on the requesting login's own channel, for the name and number it
    entered; the platform compares the face with the register's photo of that number."""
    me = await residents.of_token(db, claims)
    link = await links.pending(db, link_id, source=me["_id"])
    face = faces.get(link["channel"])
    if face is None:
        raise Conflict("link.face_unavailable", "当前登录方式不支持人脸核身")
    address = face_checks.address_on(me, link["channel"])
    if address is None:
        raise Conflict("link.source_changed", "发起关联的账号已变化，请重新发起")
    answer, handle_enc = await face_checks.start(face, address=address, name=pii.decrypt(link["name_enc"]),
                                                 id_number=pii.decrypt(link["id_enc"]), prefix="lk", pii=pii)
    await links.remember_face(db, link, handle_enc)
    return answer


async def confirm(db, claims: dict, link_id: str, body: dict, *, pii, codes, faces: dict, tokens, refresh_store) -> dict:
    """The requesting login brings its proof (an SMS code, or a finished face verification)."""
    me = await residents.of_token(db, claims)
    link = await links.pending(db, link_id, source=me["_id"])
    target = await residents.get(db, link["target"])
    if body["method"] == "sms":
        if not body.get("code"):
            raise Invalid({"code": ["请输入验证码"]})
        await codes.check(_phone_of(pii, target), body["code"], scope=str(link["_id"]))
    else:
        await _check_face(db, link, pii=pii, faces=faces)
    joined = await _join(db, link, me, target, via=body["method"])
    return {**await tokens_for(tokens, refresh_store, joined, claims["aud"], claims.get("idk")), "merged": True}


async def _check_face(db, link: dict, *, pii, faces: dict) -> None:
    face, started = faces.get(link["channel"]), link.get("face")
    if face is None or started is None:
        raise Conflict("link.face_not_started", "请先完成人脸核身")
    try:
        await face_checks.verdict(face, started["handle_enc"], pii=pii, prefix="link")
    except AppError as refused:
        if refused.status == 422:
            await audit.record(db, actor=str(link["source"]), role="resident", action="resident.link_face_failed",
                               target=f"resident:{link['target']}",
                               details={"link_id": str(link["_id"]), "outcome": refused.code.removeprefix("link.face_")})
        raise


async def _join(db, link: dict, source: dict, target: dict, *, via: str) -> dict:
    async def write(session):
        await links.decide(db, link, "approved", via=via, session=session)
        await residents.merge(db, source, target, via=via, link_id=link["_id"], session=session)

    await db.transaction(write)
    return await residents.get(db, target["_id"])


async def answer(db, claims: dict, link_id: str, approve: bool) -> dict:
    """A session of the resident asked about approves (joins) or refuses the request."""
    me = await residents.of_token(db, claims)
    link = await links.pending(db, link_id, target=me["_id"])
    if approve:
        me = await _join(db, link, {"_id": link["source"]}, me, via="approval")
    else:
        await links.decide(db, link, "refused", via="approval")
        await audit.record(db, actor=str(me["_id"]), role="resident", action="resident.link_refused",
                           target=f"resident:{me['_id']}", details={"link_id": link_id})
    return {"resident": ResidentViewSchema().dump(me), "state": "approved" if approve else "refused"}


async def undo(db, claims: dict, merge_id: str) -> dict:
    """A resident takes back a merge into their account: the joined logins become their own
    resident again, and their tokens stop speaking for this one."""
    me = await residents.of_token(db, claims)
    await residents.revert_merge(db, merge_id, {"username": str(me["_id"]), "role": "resident"},
                                 target=me["_id"])
    return ResidentViewSchema().dump(await residents.get(db, me["_id"]))
