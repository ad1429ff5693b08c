"""JPush (``jpush.py``): apps, devices, pushes, cids, the rate limit and the received report.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

JPUSH_PLATFORMS = frozenset({"android", "ios", "hmos", "quickapp", "winphone"})
JPUSH_DEVICE_PLATFORMS = frozenset({"android", "ios", "hmos"})
# What the JPush client SDK hands out: 11-32 letters and digits.
JPUSH_REGISTRATION_ID = re.compile(r"[0-9A-Za-z]{11,32}")
JPUSH_PUSH_LIMIT = 100_000  # pushes kept for read-back
JPUSH_CID_TTL = 86400  # a cid from push/cid is good for a day
JPUSH_RATE_WINDOW = 60  # the push API's rate limit counts calls per app in windows of a minute
JPUSH_RATE_LIMIT = 600  # calls per window (JPush's free tier)
# the counts of /v3/received/detail (report.jpush.cn), in its order
JPUSH_REPORT_FIELDS = ("jpush_received", "android_pns_sent", "android_pns_received", "ios_apns_sent",
                       "ios_apns_received", "ios_msg_received", "wp_mpns_sent", "quickapp_jpush_received",
                       "quickapp_pns_sent", "hmos_hmpns_sent", "hmos_hmpns_received")


@dataclass
class JPushDevice:
    app_key: str
    registration_id: str
    platform: str
    active: bool = True


@dataclass
class JPushState:
    """JPush apps (app_key -> master secret), devices and sent pushes."""

    apps: dict[str, str]
    devices: dict[tuple[str, str], JPushDevice] = field(default_factory=dict)  # (app_key, registration_id)
    pushes: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=JPUSH_PUSH_LIMIT)
    )
    msg_ids: Iterator[int] = field(default_factory=lambda: itertools.count(18_100_000_000_000_001))
    cids: dict[str, dict[str, float]] = field(default_factory=dict)  # app_key -> cid -> issued at
    cid_results: dict[str, dict[str, str]] = field(default_factory=dict)  # cid -> first successful reply
    rate_limit: int = JPUSH_RATE_LIMIT  # push calls per app per window
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)  # app_key -> (window start, calls)
    # what the received report will say of a push made now: "deliver" (every device got it) or
    # "silent" (sent, never received); per registration id in `receipt_outcomes`
    receipt_outcome: str = "deliver"
    receipt_outcomes: dict[str, str] = field(default_factory=dict)

    def report(self, app_key: str, registration_ids: list[str]) -> dict[str, int]:
        """The received report's counts of a push to these devices (JPush's /v3/received/detail)."""
        counts = dict.fromkeys(JPUSH_REPORT_FIELDS, 0)
        for registration_id in registration_ids:
            device = self.devices.get((app_key, registration_id))
            received = self.receipt_outcomes.get(registration_id, self.receipt_outcome) == "deliver"
            platform = device.platform if device else "android"
            sent, got = {"ios": ("ios_apns_sent", "ios_apns_received"), "hmos": ("hmos_hmpns_sent", "hmos_hmpns_received")
                         }.get(platform, (None, "jpush_received"))
            if sent:
                counts[sent] += 1
            counts[got] += int(received)
        return counts

    def reset(self) -> None:
        self.receipt_outcome = "deliver"
        self.receipt_outcomes.clear()
        self.devices.clear()
        self.pushes.clear()
        self.cids.clear()
        self.cid_results.clear()
        self.windows.clear()
        self.rate_limit = JPUSH_RATE_LIMIT

    def cid_valid(self, app_key: str, cid: str, now: float) -> bool:
        issued = self.cids.get(app_key, {}).get(cid)
        return issued is not None and now - issued < JPUSH_CID_TTL

    def count_call(self, app_key: str, now: float) -> tuple[bool, int, int]:
        """One push call: (within the limit, calls left in the window, seconds until it resets)."""
        start, calls = self.windows.get(app_key, (now, 0))
        if now - start >= JPUSH_RATE_WINDOW:
            start, calls = now, 0
        calls += 1
        self.windows[app_key] = (start, calls)
        reset = max(1, math.ceil(start + JPUSH_RATE_WINDOW - now))
        return calls <= self.rate_limit, max(0, self.rate_limit - calls), reset

    def active_device(self, app_key: str, registration_id: str) -> JPushDevice | None:
        device = self.devices.get((app_key, registration_id))
        return device if device is not None and device.active else None
