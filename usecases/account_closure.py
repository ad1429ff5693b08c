"""Closing a resident's account (个人信息保护法 Art. 47): a fresh proof from this login's channel,
checked as at login and required to be one of this account's logins; then models/closure.py
erases and unlinks, and every login of the account (its merged ones too) ends."""

from models import closure, residents
from models.errors import AppError


async def close(db, me: dict, channel: str, proof: dict, *, adapter, refresh_store, redis) -> dict:
    """What was erased or unlinked, by collection. `adapter`: the channel's login adapter."""
    if adapter is None:
        raise AppError(404, "auth.channel_disabled", "该登录方式未开通")
    identity = await adapter.authenticate(proof)
    if residents.login_key(me, identity) not in me["identity_keys"]:
        raise AppError(403, "closure.proof_mismatch", "验证的账号与当前登录的账号不一致")
    owners = [str(me["_id"]), *await residents.merged_ids(db, me["_id"])]
    done = await closure.close(db, me, channel=channel, proof=channel)
    for owner in owners:
        await refresh_store.revoke_resident(owner)
        # department answers cached for the resident's queries (models/queries.cache_key)
        async for key in redis.scan_iter(match=f"q:{owner}:*", count=500):
            await redis.delete(key)
    return done
