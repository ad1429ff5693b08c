"""A face check (人脸核身) of a login against a name and 身份证号, run on the login's own channel
(channels/face.py): linking a login to an account (account_links) and closing an account
(account_closure) both start one, keep its handle encrypted with what it is for, and later ask the
platform for the verdict."""

import json
import secrets

from models.errors import AppError, Conflict

OUTCOMES = {"failed": "人脸核身未通过，请确认是本人操作", "timeout": "人脸核身超时，请重新核验"}


def address_on(resident: dict, channel: str) -> str | None:
    """The resident's address on `channel` (WeChat openid, Alipay user id), or None."""
    return next((c.get("address") or c["subject"] for c in resident.get("channels") or []
                 if c["channel"] == channel), None)


async def start(face, *, address: str, name: str, id_number: str, prefix: str, pii) -> tuple[dict, str]:
    """Open a check; returns what the mini-program needs and the encrypted handle to keep."""
    started = await face.start(address=address, name=name, id_number=id_number, seq=prefix + secrets.token_hex(12))
    answer = {"client": started["client"], "expires_in": started["expires_in"]}
    return answer, pii.encrypt(json.dumps(started["handle"]))


async def verdict(face, handle_enc: str, *, pii, prefix: str) -> None:
    """Returns when the check passed; raises `<prefix>.face_pending` (409) while the resident is
    still at it, or `<prefix>.face_failed` / `<prefix>.face_timeout` (422)."""
    outcome = await face.result(json.loads(pii.decrypt(handle_enc)))
    if outcome == "passed":
        return
    if outcome == "pending":
        raise Conflict(f"{prefix}.face_pending", "人脸核身尚未完成")
    raise AppError(422, f"{prefix}.face_{outcome}", OUTCOMES.get(outcome, OUTCOMES["failed"]))
