"""WeChat official accounts (``wechat.py``): access tokens, stable tokens and their quotas, menus.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.shared_state import BEIJING, Clock

# WeChat access_token lifetimes and stable_token quotas (seconds / counts).
WECHAT_TOKEN_TTL = 7200
WECHAT_TOKEN_GRACE = 300  # a replaced token stays valid this long
WECHAT_STABLE_RENEW_BELOW = 300  # stable_token renews when less is left
WECHAT_FORCE_REFRESH_PER_DAY = 20
WECHAT_FORCE_REFRESH_INTERVAL = 30


@dataclass
class WeChatToken:
    token: str
    appid: str
    expires_at: float


@dataclass
class WeChatState:
    """Official-account apps, their tokens and menus."""

    apps: dict[str, str]
    linked_miniprograms: set[str]
    clock: Clock
    tokens: dict[str, WeChatToken] = field(default_factory=dict)
    classic_current: dict[str, str] = field(default_factory=dict)
    stable_current: dict[str, str] = field(default_factory=dict)
    force_refreshes: dict[str, list[float]] = field(default_factory=dict)
    menus: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def reset(self) -> None:
        self.tokens.clear()
        self.classic_current.clear()
        self.stable_current.clear()
        self.force_refreshes.clear()
        self.menus.clear()

    def _issue(self, appid: str, current: dict[str, str]) -> WeChatToken:
        now = self.clock()
        previous = self.tokens.get(current.get(appid, ""))
        if previous is not None:
            previous.expires_at = min(previous.expires_at, now + WECHAT_TOKEN_GRACE)
        record = WeChatToken(secrets.token_urlsafe(96), appid, now + WECHAT_TOKEN_TTL)
        self.tokens[record.token] = record
        current[appid] = record.token
        return record

    def issue_classic(self, appid: str) -> WeChatToken:
        """cgi-bin/token: always a new token; the previous one gets 5 minutes."""
        return self._issue(appid, self.classic_current)

    def stable(self, appid: str, force_refresh: bool) -> WeChatToken | int:
        """cgi-bin/stable_token: the token, or a quota errcode (45009/45011). A forced refresh
        kills the previous stable token at once; a renewal leaves it 5 minutes."""
        now = self.clock()
        if not force_refresh:
            current = self.tokens.get(self.stable_current.get(appid, ""))
            if current is not None and current.expires_at - now >= WECHAT_STABLE_RENEW_BELOW:
                return current
            return self._issue(appid, self.stable_current)
        today = dt.datetime.fromtimestamp(now, BEIJING).date()
        history = [
            t
            for t in self.force_refreshes.get(appid, [])
            if dt.datetime.fromtimestamp(t, BEIJING).date() == today
        ]
        self.force_refreshes[appid] = history
        if len(history) >= WECHAT_FORCE_REFRESH_PER_DAY:
            return 45009
        if history and now - history[-1] < WECHAT_FORCE_REFRESH_INTERVAL:
            return 45011
        history.append(now)
        # Unlike a renewal, a forced refresh invalidates the previous token at once (40001 for it).
        self.tokens.pop(self.stable_current.get(appid, ""), None)
        return self._issue(appid, self.stable_current)

    def check_token(self, token: str) -> WeChatToken | int:
        """The token's record, or 40001 (unknown) / 42001 (expired)."""
        record = self.tokens.get(token)
        if record is None:
            return 40001
        if self.clock() >= record.expires_at:
            return 42001
        return record
