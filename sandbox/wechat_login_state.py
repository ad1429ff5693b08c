"""WeChat mini-program login (``wechat_login.py``): wx.login codes, code2Session sessions and quota.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import base64
import collections
import secrets
from dataclasses import dataclass, field

from sandbox.shared_state import Clock

# wx.login codes: single use, five minutes; code2Session calls per openid.
WECHAT_LOGIN_CODE_TTL = 300
WECHAT_SESSIONS_PER_MINUTE = 100


@dataclass
class WeChatLoginCode:
    """A ``wx.login`` code, exchanged once by ``sns/jscode2session``."""

    code: str
    appid: str
    openid: str
    unionid: str | None
    expires_at: float
    used: bool = False


@dataclass
class WeChatSession:
    appid: str
    openid: str
    unionid: str | None
    session_key: str


@dataclass
class WeChatLoginState:
    """wx.login codes, high-risk users and the code2Session quota."""

    clock: Clock
    risky_openids: set[str] = field(default_factory=set)
    codes: dict[str, WeChatLoginCode] = field(default_factory=dict)
    exchanges: dict[str, collections.deque[float]] = field(default_factory=dict)
    # (appid, openid) -> the latest session (its session_key decrypts wx data).
    sessions: dict[tuple[str, str], WeChatSession] = field(default_factory=dict)
    # (appid, openid): the users of each app (an openid is per app), as wx.login and a
    # subscribe prompt show them; a subscribe message to anyone else is refused (40003).
    users: set[tuple[str, str]] = field(default_factory=set)

    def reset(self) -> None:
        self.risky_openids.clear()  # in place: SandboxState.wechat_risky_openids is this set
        self.codes.clear()
        self.exchanges.clear()
        self.sessions.clear()
        self.users.clear()

    def issue_code(self, appid: str, openid: str, unionid: str | None) -> WeChatLoginCode:
        now = self.clock()
        # Codes are kept in issue order, so the expired ones are at the front.
        for code in list(self.codes):
            if self.codes[code].expires_at >= now:
                break
            del self.codes[code]
        record = WeChatLoginCode(secrets.token_urlsafe(24), appid, openid, unionid, now + WECHAT_LOGIN_CODE_TTL)
        self.codes[record.code] = record
        self.users.add((appid, openid))
        return record

    def exchange(self, appid: str, code: str) -> WeChatSession | int:
        """code2Session: a new session, or 40029 / 40226 / 45011.

        Only a successful exchange uses the code up and counts towards the
        per-openid minute quota.
        """
        now = self.clock()
        record = self.codes.get(code)
        if record is None or record.used or record.appid != appid or now > record.expires_at:
            return 40029
        if record.openid in self.risky_openids:
            return 40226
        window = self.exchanges.setdefault(record.openid, collections.deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= WECHAT_SESSIONS_PER_MINUTE:
            return 45011
        window.append(now)
        if len(self.exchanges) > 1024:
            for openid in [o for o, w in self.exchanges.items() if w[-1] <= now - 60]:
                del self.exchanges[openid]
        record.used = True
        session = WeChatSession(
            appid, record.openid, record.unionid, base64.b64encode(secrets.token_bytes(16)).decode()
        )
        self.sessions[(appid, record.openid)] = session
        return session
