"""The data-sharing exchange (``exchange.py`` and its department modules): apps, nonces, vehicles, calls.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from sandbox.shared_state import Clock

EXCHANGE_TIMESTAMP_SKEW = 300  # seconds a request's X-Timestamp may be off the sandbox clock
EXCHANGE_NONCE_TTL = 300  # seconds a nonce stays used, per app


@dataclass
class ExchangeState:
    """Exchange apps (app id -> secret), used nonces, vehicles registered by
    hand and the queries each department target answered."""

    apps: dict[str, str]
    clock: Clock
    nonces: dict[str, dict[str, float]] = field(default_factory=dict)  # app id -> nonce -> first seen
    # plate -> (owner 身份证号, engine tail), overriding the derived register.
    vehicles: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)

    def reset(self) -> None:
        self.nonces.clear()
        self.vehicles.clear()
        self.calls.clear()

    def use_nonce(self, app_id: str, nonce: str) -> bool:
        """Mark ``nonce`` used for ``app_id``; False when it was already used
        in the last ``EXCHANGE_NONCE_TTL`` seconds."""
        now = self.clock()
        seen = self.nonces.setdefault(app_id, {})
        # Kept in first-seen order, so the stale ones are at the front.
        for old in list(seen):
            if seen[old] > now - EXCHANGE_NONCE_TTL:
                break
            del seen[old]
        if nonce in seen:
            return False
        seen[nonce] = now
        return True
