"""Resident login, refresh and the login code: a channel proves who it is, the resident record is
found or created, and a token pair is issued (access JWT with aud = channel; rotating refresh
token). `tokens` is the JWT service, `refresh_store` the refresh tokens in Redis."""

import logging

from models import logins, residents
from models.errors import AppError
from models.residents import ResidentViewSchema

log = logging.getLogger(__name__)


async def tokens_for(tokens, refresh_store, resident: dict, channel: str, tag: str | None, *,
                     refresh: str | None = None) -> dict:
    """A token pair for this resident on this channel; `tag` names the login's identity key, so
    the tokens stop working if that login leaves the resident (an undone merge, an unlink)."""
    rid = str(resident["_id"])
    extra = {"realname": bool(resident.get("realname"))}
    if tag:
        extra["idk"] = tag
    access = tokens.issue(rid, kind="resident", role="resident", aud=channel, extra=extra)
    refresh = refresh or await refresh_store.issue(rid, channel, tag=tag)
    return {"access_token": access, "token_type": "Bearer", "expires_in": tokens.ttl, "refresh_token": refresh,
            "resident": ResidentViewSchema().dump(resident)}


async def login(db, channel: str, payload: dict, *, adapter, pii, tokens, refresh_store) -> dict:
    """`adapter`: the channel's login adapter (None: the channel is not open here)."""
    if adapter is None:
        raise AppError(404, "auth.channel_disabled", "该登录方式未开通")
    identity = await adapter.authenticate(payload)
    resident = await residents.login(db, identity, pii)
    await logins.record(db, channel)
    log.info("resident login", extra={"resident_id": str(resident["_id"]), "channel": channel})
    tag = residents.key_tag(residents.login_key(resident, identity))
    return await tokens_for(tokens, refresh_store, resident, channel, tag)


async def refresh(db, token: str, *, tokens, refresh_store) -> dict:
    record, successor = await refresh_store.rotate(token)
    try:
        resident = await residents.get(db, record["sub"])
    except AppError:
        resident = None
    if resident is None or not residents.holds_tag(resident, record.get("tag")):
        await refresh_store.revoke_family(record["family"])
        raise AppError(401, "auth.refresh_invalid", "登录已过期，请重新登录")
    return await tokens_for(tokens, refresh_store, resident, record["channel"], record.get("tag"), refresh=successor)


async def send_code(phone: str, ip: str, *, otp, sms, template: str) -> None:
    """A login code by SMS, within the code store's per-phone and per-IP limits."""
    async def send(to: str, code: str) -> None:
        await sms.send(to, template, {"code": code})

    await otp.issue(phone, ip, send)
