"""Closing a resident's account (个人信息保护法 Art. 47): a fresh proof from this login's channel,
checked as at login and required to be one of this account's logins; then models/closure.py
erases and unlinks, and every login of the account (its merged ones too) ends.

On WeChat and Alipay that proof is a login code the mini-program gets silently: it shows the
platform account is signed in on the device, not that its owner is the one tapping. So an account
with a verified real name also needs a face check (人脸核身) of that name and 身份证号 on the same
channel, started with `start_face` and passed before the closure; closing cannot be undone. An
account without a real name has no one on record to compare a face with, and the app channel's
proof is a fresh SMS code to the account's phone: those need the channel's proof only."""

import datetime as dt

from models import audit, closure, residents
from models.clock import now
from models.errors import AppError, Conflict
from usecases import face_checks

FACE_FRESH = dt.timedelta(minutes=30)  # a passed check counts for a closure soon after, not later


def face_needed(me: dict, channel: str, faces: dict) -> bool:
    return bool(me.get("realname")) and channel in faces


async def start_face(db, me: dict, channel: str, *, pii, faces: dict) -> dict:
    """Open the face check of the account's real name on this login's channel."""
    if not face_needed(me, channel, faces):
        raise Conflict("closure.face_not_needed", "本账号注销无需人脸核身")
    address = face_checks.address_on(me, channel)
    if address is None:
        raise Conflict("resident.changed", "账号信息已变化，请刷新后重试")
    realname = me["realname"]
    answer, handle_enc = await face_checks.start(faces[channel], address=address, name=pii.decrypt(realname["name_enc"]),
                                                 id_number=pii.decrypt(realname["id_enc"]), prefix="cl", pii=pii)
    await closure.remember_face(db, me["_id"], channel, handle_enc)
    return answer


async def _check_face(db, me: dict, channel: str, *, pii, faces: dict) -> None:
    started = me.get("closure_face")
    if not started or started.get("channel") != channel or now() - started["started_at"] > FACE_FRESH:
        raise Conflict("closure.face_required", "已实名的账号注销前需进行人脸核身")
    try:
        await face_checks.verdict(faces[channel], started["handle_enc"], pii=pii, prefix="closure")
    except AppError as refused:
        if refused.status == 422:  # spent: the next try starts a new check
            await closure.forget_face(db, me["_id"])
            await audit.record(db, actor=str(me["_id"]), role="resident", action="resident.closure_face_failed",
                               target=f"resident:{me['_id']}", details={"outcome": refused.code.removeprefix("closure.face_")})
        raise


async def close(db, me: dict, channel: str, proof: dict, *, adapter, refresh_store, redis, pii, faces: dict) -> dict:
    """What was erased or unlinked, by collection. `adapter`: the channel's login adapter."""
    if adapter is None:
        raise AppError(404, "auth.channel_disabled", "该登录方式未开通")
    face = face_needed(me, channel, faces)
    if face:  # before the proof: a login code is spent when checked
        await _check_face(db, me, channel, pii=pii, faces=faces)
    identity = await adapter.authenticate(proof)
    if residents.login_key(me, identity) not in me["identity_keys"]:
        raise AppError(403, "closure.proof_mismatch", "验证的账号与当前登录的账号不一致")
    owners = [str(me["_id"]), *await residents.merged_ids(db, me["_id"])]
    done = await closure.close(db, me, channel=channel, proof=f"{channel}+face" if face else channel)
    for owner in owners:
        await refresh_store.revoke_resident(owner)
        # department answers cached for the resident's queries (models/queries.cache_key)
        async for key in redis.scan_iter(match=f"q:{owner}:*", count=500):
            await redis.delete(key)
    return done
