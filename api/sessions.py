"""Resident login, refresh and logout: a channel proves who it is, the resident record is found
or created, and a token pair is issued (access JWT with aud = channel; rotating refresh token)."""

import logging

from api import metrics
from models import logins, residents
from models.errors import AppError
from models.residents import ResidentViewSchema

log = logging.getLogger(__name__)


async def tokens_for(deps, resident: dict, channel: str, family: str | None = None, refresh: str | None = None) -> dict:
    rid = str(resident["_id"])
    access = deps.tokens.issue(rid, kind="resident", role="resident", aud=channel,
                               extra={"realname": bool(resident.get("realname"))})
    refresh = refresh or await deps.refresh.issue(rid, channel, family)
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
        if identity.secret:
            await residents.remember_session_secret(deps.redis, deps.pii, resident["_id"], channel, identity.secret)
        await logins.record(deps.db, channel)
        log.info("resident login", extra={"resident_id": str(resident["_id"]), "channel": channel})
        tokens = await tokens_for(deps, resident, channel)
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
        await deps.refresh.revoke_family(record["family"])
        raise AppError(401, "auth.refresh_invalid", "登录已过期，请重新登录") from None
    return await tokens_for(deps, resident, record["channel"], refresh=successor)


async def send_otp(deps, phone: str, ip: str) -> None:
    async def send(to: str, code: str) -> None:
        await deps.sms.send(to, deps.config.sms_template_login, {"code": code})

    await deps.otp.issue(phone, ip, send)
