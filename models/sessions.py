"""Resident refresh tokens: opaque, stored hashed in Redis, rotated on every use.

Each token belongs to a family (one login). Spending a token marks it used (kept until it
expires, so a replay is recognised); a replay of a used token deletes the whole family, so a
stolen token and its legitimate successor both stop working. The check-and-mark is one Lua
script, atomic in Redis.
"""

import hashlib
import json
import secrets

from models.errors import AppError

SPEND = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing', ''} end
local rec = cjson.decode(raw)
if rec['used'] then return {'reused', rec['family']} end
rec['used'] = true
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return {'ok', raw}
"""


def _key(token: str) -> str:
    return "rt:" + hashlib.sha256(token.encode()).hexdigest()


def _invalid() -> AppError:
    return AppError(401, "auth.refresh_invalid", "登录已过期，请重新登录")


class RefreshTokens:
    def __init__(self, redis, ttl: int):
        self.redis = redis
        self.ttl = ttl
        self._spend = redis.register_script(SPEND)

    async def issue(self, resident_id: str, channel: str, family: str | None = None, tag: str | None = None) -> str:
        """`tag`: the login's identity key tag (models.residents.key_tag), checked at each refresh."""
        token = secrets.token_urlsafe(32)
        family = family or secrets.token_hex(12)
        record = json.dumps({"sub": resident_id, "channel": channel, "family": family, "tag": tag, "used": False})
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(_key(token), record, ex=self.ttl)
            pipe.sadd(f"rtf:{family}", _key(token))
            pipe.expire(f"rtf:{family}", self.ttl)
            pipe.sadd(f"rtr:{resident_id}", family)  # the resident's logins, to end them all at closure
            pipe.expire(f"rtr:{resident_id}", self.ttl)
            await pipe.execute()
        return token

    async def rotate(self, token: str) -> tuple[dict, str]:
        """Spend `token`; returns (its record, the successor token)."""
        status, payload = await self._spend(keys=[_key(token)])
        status = status.decode() if isinstance(status, bytes) else status
        payload = payload.decode() if isinstance(payload, bytes) else payload
        if status == "reused":
            await self.revoke_family(payload)
            raise _invalid()
        if status != "ok":
            raise _invalid()
        record = json.loads(payload)
        return record, await self.issue(record["sub"], record["channel"], record["family"], record.get("tag"))

    async def revoke(self, token: str) -> None:
        raw = await self.redis.get(_key(token))
        if raw:
            await self.revoke_family(json.loads(raw)["family"])

    async def revoke_resident(self, resident_id: str) -> int:
        """End every login of the resident (account closure); returns how many there were."""
        families = await self.redis.smembers(f"rtr:{resident_id}")
        for family in families:
            await self.revoke_family(family.decode() if isinstance(family, bytes) else family)
        await self.redis.delete(f"rtr:{resident_id}")
        return len(families)

    async def revoke_family(self, family: str) -> None:
        members = await self.redis.smembers(f"rtf:{family}")
        if members:
            await self.redis.delete(*members)
        await self.redis.delete(f"rtf:{family}")
