"""Aliyun SMS (``sms.py``): access keys, templates, signatures, sent messages, limits and receipts.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sandbox.shared_state import BEIJING, DEFAULT_RECEIVED_LIMIT, Clock

DEFAULT_SMS_ACCESS_KEYS = {"demo-ak": "demo-secret"}
DEFAULT_SMS_TEMPLATES = {
    "SMS_LOGIN_CODE": "您的验证码为${code}，5分钟内有效。",
    "SMS_LINK_CODE": "有人正在将新的登录方式关联到您的政务服务账号，验证码${code}，5分钟内有效。如非本人操作，请勿告知他人。",
    "SMS_APPLICATION_STATUS": "您的${item}办件（编号${number}）${status}，详情请在政务服务小程序查看。",
    # a link must be the template's fixed text (an ICP-registered address); only its path's end varies
    "SMS_DOCUMENT_SERVED": "您的当场行政处罚决定书（编号${number}）已电子送达，请访问 http://127.0.0.1:8000/s/${code} 查看。",
}
DEFAULT_SMS_SIGN_NAMES = frozenset({"政务服务"})
# Aliyun's default limits per phone (短信发送频率限制, rolling windows): a verification code per
# signature: 1 a minute, 5 an hour, 10 a day; a notification per signature and template: 50 a
# day. (window seconds, permits, Aliyun's word for the window)
SMS_CODE_LIMITS = ((60, 1, "分钟"), (3600, 5, "小时"), (86400, 10, "天"))
SMS_NOTICE_LIMITS = ((86400, 50, "天"),)
SMS_PARAM_MAX = 35  # characters in one template variable
SMS_CLOCK_SKEW = 900  # x-acs-date may be this far off; a nonce is remembered this long


@dataclass
class SmsState:
    """Aliyun SMS: access keys, templates (a template with ``${code}`` is a verification code,
    any other a notification), approved signatures, what was sent, and the account: ``balance``
    (messages left; None: plenty) and ``daily_limit`` (the console's 日发送量限额; None: none)."""

    access_keys: dict[str, str]
    templates: dict[str, str]
    sign_names: set[str]
    clock: Clock
    limit: int = DEFAULT_RECEIVED_LIMIT
    messages: collections.deque[dict[str, Any]] = field(init=False)
    sent_at: dict[tuple[str, ...], list[float]] = field(default_factory=dict)  # limit key -> send times
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)  # (access key, nonce) -> when used
    balance: int | None = None
    daily_limit: int | None = None
    sent_today: tuple[dt.date, int] | None = None  # (Beijing day, messages) against daily_limit
    # what QuerySendDetails will say of a message sent now: "deliver" (SendStatus 3), "fail" (2,
    # with `receipt_errcode`) or "waiting" (1); per phone in `receipt_outcomes` ({"outcome", "errcode"})
    receipt_outcome: str = "deliver"
    receipt_errcode: str = "MN:0001"
    receipt_outcomes: dict[str, dict[str, str]] = field(default_factory=dict)

    def report(self, phone: str) -> dict[str, Any]:
        """The delivery report of a message sent to `phone` now (QuerySendDetails' fields)."""
        rule = self.receipt_outcomes.get(phone, {})
        outcome = rule.get("outcome", self.receipt_outcome)
        now = dt.datetime.fromtimestamp(self.clock(), BEIJING)
        status = {"deliver": 3, "fail": 2}.get(outcome, 1)
        return {"SendStatus": status, "ErrCode": {3: "DELIVERED", 2: rule.get("errcode", self.receipt_errcode)}.get(
                    status, ""),
                "SendDate": now.strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": (now + dt.timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S") if status != 1 else ""}

    def __post_init__(self) -> None:
        self.messages = collections.deque(maxlen=self.limit)

    def reset(self) -> None:
        self.forget()
        self.nonces.clear()
        self.balance = self.daily_limit = None
        self.receipt_outcome, self.receipt_errcode = "deliver", "MN:0001"
        self.receipt_outcomes.clear()

    def forget(self) -> None:
        """Forget the messages sent, and with them every limit they count towards."""
        self.messages.clear()
        self.sent_at.clear()
        self.sent_today = None

    def is_code(self, template_code: str) -> bool:
        return "${code}" in self.templates.get(template_code, "")

    def _limits(self, sign: str, template: str, phone: str) -> tuple[tuple[str, ...], tuple]:
        if self.is_code(template):
            return ("code", sign, phone), SMS_CODE_LIMITS
        return ("notice", sign, template, phone), SMS_NOTICE_LIMITS

    def limited(self, sign: str, template: str, phone: str) -> str | None:
        """Aliyun's message when this phone is over a limit (触发分钟级流控Permits:1), else None."""
        key, limits = self._limits(sign, template, phone)
        now = self.clock()
        times = [t for t in self.sent_at.get(key, []) if now - t < limits[-1][0]]
        self.sent_at[key] = times
        for window, permits, word in limits:
            if sum(1 for t in times if now - t < window) >= permits:
                return f"触发{word}级流控Permits:{permits}"
        return None

    def over_daily_limit(self, count: int) -> bool:
        today = dt.datetime.fromtimestamp(self.clock(), BEIJING).date()
        sent = self.sent_today[1] if self.sent_today and self.sent_today[0] == today else 0
        return self.daily_limit is not None and sent + count > self.daily_limit

    def record(self, sign: str, template: str, phone: str) -> None:
        now = self.clock()
        self.sent_at.setdefault(self._limits(sign, template, phone)[0], []).append(now)
        today = dt.datetime.fromtimestamp(now, BEIJING).date()
        sent = self.sent_today[1] if self.sent_today and self.sent_today[0] == today else 0
        self.sent_today = (today, sent + 1)
        if self.balance is not None:
            self.balance -= 1

    def use_nonce(self, access_key: str, nonce: str) -> bool:
        """False when this access key used the nonce within the last 15 minutes (a replay)."""
        now = self.clock()
        if len(self.nonces) > 10_000:
            self.nonces = {k: t for k, t in self.nonces.items() if now - t < SMS_CLOCK_SKEW}
        used = self.nonces.get((access_key, nonce))
        if used is not None and now - used < SMS_CLOCK_SKEW:
            return False
        self.nonces[(access_key, nonce)] = now
        return True
