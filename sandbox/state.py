"""In-memory state of the sandbox.

Everything here is mutated only from the sandbox's event loop, and every
mutation is synchronous (no ``await`` between reading and writing), so the
single-threaded asyncio model is all the guarding needed: no locks, no
threads. Clients may live in other threads or processes; they only talk to
the sandbox over HTTP.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]

# Keys whose values are replaced by "***" in the received-request log.
SCRUBBED_KEYS = frozenset({"secret", "access_token"})
SCRUBBED_VALUE = "***"

DEFAULT_RECEIVED_LIMIT = 1000

# WeChat access_token lifetimes and stable_token quotas (seconds / counts).
WECHAT_TOKEN_TTL = 7200
WECHAT_TOKEN_GRACE = 300  # a replaced token stays valid this long
WECHAT_STABLE_RENEW_BELOW = 300  # stable_token renews when less is left
WECHAT_FORCE_REFRESH_PER_DAY = 20
WECHAT_FORCE_REFRESH_INTERVAL = 30
# WeChat's daily quotas reset at midnight Beijing time.
_BEIJING = dt.timezone(dt.timedelta(hours=8))


# ---------------------------------------------------------------- faults


@dataclass
class Fault:
    """One injected fault. ``remaining`` is None when it lasts until cleared."""

    target: str
    id: int = 0
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    latency_ms: int = 0
    times: int = 1
    drop: bool = False
    remaining: int | None = None
    created_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target": self.target,
            "errcode": self.errcode,
            "errmsg": self.errmsg,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "times": self.times,
            "remaining": self.remaining,
            "drop": self.drop,
            "created_at": self.created_at,
        }


class FaultStore:
    """Active faults in creation order; the oldest matching fault wins."""

    def __init__(self) -> None:
        self._faults: dict[int, Fault] = {}
        self._ids = itertools.count(1)

    def add(self, fault: Fault) -> Fault:
        fault.id = next(self._ids)
        fault.remaining = fault.times if fault.times else None
        self._faults[fault.id] = fault
        return fault

    def list(self, target: str | None = None) -> list[Fault]:
        return [f for f in self._faults.values() if target is None or f.target == target]

    def get(self, fault_id: int) -> Fault | None:
        return self._faults.get(fault_id)

    def remove(self, fault_id: int) -> bool:
        return self._faults.pop(fault_id, None) is not None

    def clear(self) -> int:
        count = len(self._faults)
        self._faults.clear()
        return count

    def take(self, target: str) -> Fault | None:
        """Consume one use of the oldest active fault for ``target``."""
        for fault in self._faults.values():
            if fault.target != target:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[fault.id]
            return fault
        return None


# ---------------------------------------------------------------- received log


def scrub(value: Any) -> Any:
    """A copy of ``value`` with the values of secret-bearing keys masked."""
    if isinstance(value, dict):
        return {
            k: (SCRUBBED_VALUE if isinstance(k, str) and k.lower() in SCRUBBED_KEYS else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


class ReceivedLog:
    """The last ``limit`` requests per target, oldest first."""

    def __init__(self, limit: int = DEFAULT_RECEIVED_LIMIT) -> None:
        self.limit = limit
        self._by_target: dict[str, collections.deque[tuple[int, dict[str, Any]]]] = {}
        self._seq = itertools.count(1)

    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        entries = self._by_target.setdefault(
            record["target"], collections.deque(maxlen=self.limit)
        )
        entries.append((next(self._seq), record))
        return record

    def list(self, target: str | None = None) -> list[dict[str, Any]]:
        if target is not None:
            return [record for _, record in self._by_target.get(target, ())]
        merged = sorted(itertools.chain.from_iterable(self._by_target.values()), key=lambda e: e[0])
        return [record for _, record in merged]

    def clear(self, target: str | None = None) -> None:
        if target is None:
            self._by_target.clear()
        else:
            self._by_target.pop(target, None)


# ---------------------------------------------------------------- WeChat


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
        """cgi-bin/stable_token: the token, or a quota errcode (45009/45011)."""
        now = self.clock()
        if not force_refresh:
            current = self.tokens.get(self.stable_current.get(appid, ""))
            if current is not None and current.expires_at - now >= WECHAT_STABLE_RENEW_BELOW:
                return current
            return self._issue(appid, self.stable_current)
        today = dt.datetime.fromtimestamp(now, _BEIJING).date()
        history = [
            t
            for t in self.force_refreshes.get(appid, [])
            if dt.datetime.fromtimestamp(t, _BEIJING).date() == today
        ]
        self.force_refreshes[appid] = history
        if len(history) >= WECHAT_FORCE_REFRESH_PER_DAY:
            return 45009
        if history and now - history[-1] < WECHAT_FORCE_REFRESH_INTERVAL:
            return 45011
        history.append(now)
        return self._issue(appid, self.stable_current)

    def check_token(self, token: str) -> WeChatToken | int:
        """The token's record, or 40001 (unknown) / 42001 (expired)."""
        record = self.tokens.get(token)
        if record is None:
            return 40001
        if self.clock() >= record.expires_at:
            return 42001
        return record


# ---------------------------------------------------------------- the whole sandbox


class SandboxState:
    """All sandbox state. Pass the same instance to routes and tests.

    :param wechat_apps: official-account appid -> appsecret.
    :param wechat_linked_miniprograms: mini-program appids a menu may link to
        (default: the keys of ``wechat_apps``).
    :param clock: seconds since the epoch; drives token expiry, quotas and
        the timestamps of the received log. Replace it to travel in time.
    :param received_limit: requests kept per target in the received log.
    """

    def __init__(
        self,
        wechat_apps: Mapping[str, str] | None = None,
        wechat_linked_miniprograms: Iterable[str] | None = None,
        clock: Clock = time.time,
        received_limit: int = DEFAULT_RECEIVED_LIMIT,
    ) -> None:
        self.clock = clock
        self.targets: set[str] = set()
        self.faults = FaultStore()
        self.received = ReceivedLog(received_limit)
        apps = dict(wechat_apps or {})
        self.wechat = WeChatState(
            apps=apps,
            linked_miniprograms=set(
                apps if wechat_linked_miniprograms is None else wechat_linked_miniprograms
            ),
            clock=self._now,
        )

    def _now(self) -> float:
        # Late-bound so that tests may swap ``state.clock`` after construction.
        return self.clock()

    def register_targets(self, targets: Iterable[str]) -> None:
        self.targets.update(targets)

    def now_iso(self) -> str:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat(
            timespec="milliseconds"
        )

    def reset(self) -> None:
        """Forget faults, the received log and every upstream's data."""
        self.faults.clear()
        self.received.clear()
        self.wechat.reset()
