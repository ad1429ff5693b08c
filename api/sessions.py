"""Resident login, refresh and logout: a channel proves who it is, the resident record is found
or created, and a token pair is issued (access JWT with aud = channel; rotating refresh token)."""

import logging

from api import metrics
from models import logins, residents
from models.errors import AppError
from models.residents import ResidentViewSchema

log = logging.getLogger(__name__)


async def tokens_for(deps, resident: dict, channel: str, tag: str | None, *, refresh: str | None = None) -> dict:
    """A token pair for this resident on this channel; `tag` names the login's identity key, so
    the tokens stop working if that login leaves the resident (an undone merge, an unlink)."""
    rid = str(resident["_id"])
    extra = {"realname": bool(resident.get("realname"))}
    if tag:
        extra["idk"] = tag
    access = deps.tokens.issue(rid, kind="resident", role="resident", aud=channel, extra=extra)
    refresh = refresh or await deps.refresh.issue(rid, channel, tag=tag)
    return {"access_token": access, "token_type": "Bearer", "expires_in": deps.tokens.ttl, "refresh_token": refresh,
            "resident": ResidentViewSchema().dump(resident)}


async def login(deps, channel: str, payload: dict) -> dict:
    outcome = "unavailable"
    try:
        adapter = deps.logins.get(channel)
        if adapter is None:
            raise AppError(404, "auth.channel_disabled", "该登录方式未开通")
        identity = await adapter.authenticate(payload)
        resident = await residents.login(deps.db, identity, deps.pii)
        await logins.record(deps.db, channel)
        log.info("resident login", extra={"resident_id": str(resident["_id"]), "channel": channel})
        tokens = await tokens_for(deps, resident, channel, residents.key_tag(residents.login_key(resident, identity)))
        outcome = "success"
        return tokens
    except AppError as exc:
        outcome = "refused" if exc.status < 500 else "unavailable"
        raise
    finally:
        metrics.login(channel, outcome)


async def refresh(deps, token: str) -> dict:
    record, successor = await deps.refresh.rotate(token)
    try:
        resident = await residents.get(deps.db, record["sub"])
    except AppError:
        resident = None
    if resident is None or not residents.holds_tag(resident, record.get("tag")):
        await deps.refresh.revoke_family(record["family"])
        raise AppError(401, "auth.refresh_invalid", "登录已过期，请重新登录")
    return await tokens_for(deps, resident, record["channel"], record.get("tag"), refresh=successor)


async def send_otp(deps, phone: str, ip: str) -> None:
    async def send(to: str, code: str) -> None:
        await deps.sms.send(to, deps.config.sms_template_login, {"code": code})

    await deps.otp.issue(phone, ip, send)
