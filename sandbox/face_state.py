"""Face-verification sessions: WeChat 人脸核身 (verify_id) and Alipay 身份验证 (certify_id).

One ``FaceSessions`` per platform. A session is opened by the backend for one person (name and
身份证号), then the resident plays their part on the phone (a control endpoint records the
outcome), then the backend queries it. Serials (``out_seq_no`` / ``outer_order_no``) are unique
per app for good. Mutated only from the sandbox's event loop, like the rest of the state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WECHAT_FACE_TTL = 3600  # getverifyid's expires_in
# Alipay's initialize answers no lifetime; the sandbox's choice (the adapter allows the same).
ALIPAY_CERTIFY_TTL = 1800
KEEP_AFTER_EXPIRY = 86_400  # an expired session stays queryable (and "expired") this long
OUTCOMES = ("pass", "fail", "timeout", "cancel")


@dataclass
class FaceSession:
    id: str  # verify_id / certify_id
    app: str  # appid / app_id
    seq: str  # out_seq_no / outer_order_no
    cert_name: str
    cert_no: str
    openid: str | None  # WeChat only: the user the session belongs to
    expires_at: float
    outcome: str | None = None  # one of OUTCOMES once the resident has finished
    verify_ret: int | None = None  # WeChat's code for the outcome

    def to_json(self, now: float) -> dict[str, Any]:
        return {"id": self.id, "app": self.app, "seq": self.seq, "cert_name": self.cert_name,
                "cert_no": self.cert_no, "openid": self.openid, "outcome": self.outcome,
                "verify_ret": self.verify_ret, "expires_in": max(0, round(self.expires_at - now)),
                "expired": self.expired(now)}

    def expired(self, now: float) -> bool:
        return self.outcome is None and now >= self.expires_at


class FaceSessions:
    def __init__(self, clock: Callable[[], float], ttl: int, new_id: Callable[[], str]) -> None:
        self.clock, self.ttl, self.new_id = clock, ttl, new_id
        self.sessions: dict[str, FaceSession] = {}  # in opening order
        self.seqs: set[tuple[str, str]] = set()  # (app, seq) ever used

    def reset(self) -> None:
        self.sessions.clear()
        self.seqs.clear()

    def open(self, app: str, seq: str, cert_name: str, cert_no: str, openid: str | None = None) -> FaceSession | None:
        """A new session, or None when ``seq`` was used before by this app."""
        if (app, seq) in self.seqs:
            return None
        now = self.clock()
        for key in list(self.sessions):  # oldest first: drop the long-expired
            if self.sessions[key].expires_at + KEEP_AFTER_EXPIRY > now:
                break
            del self.sessions[key]
        self.seqs.add((app, seq))
        session = FaceSession(self.new_id(), app, seq, cert_name, cert_no, openid, now + self.ttl)
        self.sessions[session.id] = session
        return session

    def get(self, app: str, session_id: str) -> FaceSession | None:
        session = self.sessions.get(session_id)
        return session if session is not None and session.app == app else None

    def latest(self, *, openid: str | None = None, cert_no: str | None = None) -> FaceSession | None:
        for session in reversed(self.sessions.values()):
            if (openid is None or session.openid == openid) and (cert_no is None or session.cert_no == cert_no):
                return session
        return None


def wechat_sessions(clock: Callable[[], float]) -> FaceSessions:
    return FaceSessions(clock, WECHAT_FACE_TTL, lambda: secrets.token_urlsafe(48))


def alipay_sessions(clock: Callable[[], float]) -> FaceSessions:
    return FaceSessions(clock, ALIPAY_CERTIFY_TTL, lambda: secrets.token_hex(16))
