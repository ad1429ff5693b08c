"""What every upstream's state shares: the clock type, Beijing time, the injected faults and the
received-request log (the control plane in ``faults.py`` serves the last two).

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]

# Keys whose values are replaced by "***" in the received-request log (any
# upstream; a handler may add its own with ``scrub_keys``). Compared in
# lower case.
SCRUBBED_KEYS = frozenset({"secret", "access_token", "refresh_token", "session_key"})
SCRUBBED_VALUE = "***"

DEFAULT_RECEIVED_LIMIT = 1000

# WeChat's daily quotas reset at midnight Beijing time; Alipay reads and
# writes its timestamps in Beijing time too.
BEIJING = dt.timezone(dt.timedelta(hours=8))


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
    probability: float = 1.0  # each matching request is hit with this chance
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
            "probability": self.probability,
            "created_at": self.created_at,
        }


class FaultStore:
    """Active faults in creation order; the oldest matching fault wins."""

    def __init__(self) -> None:
        self._faults: dict[int, Fault] = {}
        self._ids = itertools.count(1)
        self._random = random.Random()

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

    def take(self, *targets: str) -> Fault | None:
        """Consume one use of the oldest active fault for any of ``targets``."""
        for fault in list(self._faults.values()):
            if fault.target not in targets:
                continue
            if fault.probability < 1 and self._random.random() >= fault.probability:
                continue  # this request escapes this fault; a later one may still match
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[fault.id]
            return fault
        return None


def scrub(value: Any, keys: frozenset[str] = SCRUBBED_KEYS) -> Any:
    """A copy of ``value`` with the values of secret-bearing ``keys`` masked."""
    if isinstance(value, dict):
        return {
            k: (SCRUBBED_VALUE if isinstance(k, str) and k.lower() in keys else scrub(v, keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v, keys) for v in value]
    return value


class ReceivedLog:
    """The last ``limit`` requests per target, oldest first."""

    def __init__(self, limit: int = DEFAULT_RECEIVED_LIMIT) -> None:
        self.limit = limit
        self._by_target: dict[str, collections.deque[tuple[int, dict[str, Any]]]] = {}
        self._seq = itertools.count(1)

    def add(self, record: dict[str, Any], also: Iterable[str] = ()) -> dict[str, Any]:
        """Keep ``record`` under its target and under the ``also`` targets
        (e.g. an Alipay call under its method and under the gateway)."""
        entry = (next(self._seq), record)
        for target in dict.fromkeys((record["target"], *also)):
            self._by_target.setdefault(target, collections.deque(maxlen=self.limit)).append(entry)
        return record

    def list(self, target: str | None = None) -> list[dict[str, Any]]:
        if target is not None:
            return [record for _, record in self._by_target.get(target, ())]
        merged = dict(itertools.chain.from_iterable(self._by_target.values()))
        return [merged[seq] for seq in sorted(merged)]

    def clear(self, target: str | None = None) -> None:
        if target is None:
            self._by_target.clear()
        else:
            self._by_target.pop(target, None)
