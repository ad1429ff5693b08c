"""WeChat subscribe messages (``wechat_subscribe.py``): templates, pages, the users' quotas, sent messages.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sandbox.shared_state import BEIJING, Clock

# The keyword types of subscribe-message templates (rules in wechat_subscribe).
WECHAT_SUBSCRIBE_FIELD_TYPES = frozenset(
    {
        "thing",
        "number",
        "letter",
        "symbol",
        "character_string",
        "time",
        "date",
        "amount",
        "phone_number",
        "car_number",
        "name",
        "phrase",
    }
)
# template_id -> {data key -> keyword type}. A template id belongs to one mini-program (the
# templates it picked in its admin console); keys are numbered by WeChat, prefixed by their type.
DEFAULT_WECHAT_SUBSCRIBE_TEMPLATES: dict[str, dict[str, str]] = {
    # 办件进度通知: 办件编号, 办件名称, 办理状态, 更新时间, 温馨提示
    "TPL_APPLICATION_STATUS": {
        "character_string1": "character_string",
        "thing2": "thing",
        "phrase3": "phrase",
        "time4": "time",
        "thing5": "thing",
    },
    # 预约成功通知: 预约人, 预约日期, 办理事项, 排队号, 办理地点
    "TPL_APPOINTMENT": {
        "name1": "name",
        "date2": "date",
        "thing3": "thing",
        "number4": "number",
        "thing5": "thing",
    },
    # 缴费通知: 缴费项目, 金额, 订单号, 截止日期
    "TPL_PAYMENT": {
        "thing1": "thing",
        "amount2": "amount",
        "character_string3": "character_string",
        "date4": "date",
    },
}
WECHAT_SUBSCRIBE_MESSAGE_LIMIT = 100_000  # sent messages kept for read-back


@dataclass
class WeChatSubscribeState:
    """Subscribe-message templates and page lists per mini-program, what users accepted, and
    sent messages.

    Quotas are per (appid, openid, template_id): one-time units add up and
    each send uses one; a long-term subscription lasts until revoked.
    """

    # appid -> template_id -> {data key -> keyword type}
    templates: dict[str, dict[str, dict[str, str]]]
    daily_limit: int | None
    clock: Clock
    # appid -> the pages of its released version (app.json); an app not here is not checked
    pages: dict[str, frozenset[str]] = field(default_factory=dict)
    one_time: dict[tuple[str, str, str], int] = field(default_factory=dict)
    long_term: set[tuple[str, str, str]] = field(default_factory=set)
    # (appid, template_id) -> (Beijing date, sends that day)
    daily: dict[tuple[str, str], tuple[dt.date, int]] = field(default_factory=dict)
    messages: collections.deque[dict[str, Any]] = field(
        default_factory=lambda: collections.deque(maxlen=WECHAT_SUBSCRIBE_MESSAGE_LIMIT)
    )
    msgids: Iterator[int] = field(default_factory=lambda: itertools.count(3_000_000_000_000_000_001))

    def __post_init__(self) -> None:
        for appid, templates in self.templates.items():
            for template_id, fields in templates.items():
                unknown = sorted(set(fields.values()) - WECHAT_SUBSCRIBE_FIELD_TYPES)
                wrong = sorted(k for k, kind in fields.items() if k.rstrip("0123456789") != kind)
                if not fields or unknown or wrong:
                    raise ValueError(f"{appid} template {template_id!r}: no fields, unknown type(s) {unknown}"
                                     f" or keys not named by their type {wrong}")
        if self.daily_limit is not None and self.daily_limit < 1:
            raise ValueError("wechat_subscribe_daily_limit must be None or >= 1")

    def template(self, appid: str, template_id: Any) -> dict[str, str] | None:
        """The keys of one of this app's templates (None: not this app's)."""
        return self.templates.get(appid, {}).get(template_id) if isinstance(template_id, str) else None

    def reset(self) -> None:
        self.one_time.clear()
        self.long_term.clear()
        self.daily.clear()
        self.messages.clear()

    def subscribe(self, appid: str, openid: str, template_id: str, long_term: bool, count: int = 1) -> None:
        key = (appid, openid, template_id)
        if long_term:
            self.long_term.add(key)
        else:
            self.one_time[key] = self.one_time.get(key, 0) + count

    def revoke(self, appid: str, openid: str, template_id: str) -> bool:
        key = (appid, openid, template_id)
        found = key in self.long_term or key in self.one_time
        self.long_term.discard(key)
        self.one_time.pop(key, None)
        return found

    def subscriptions(self, appid: str | None = None, openid: str | None = None) -> list[dict[str, Any]]:
        keys = sorted(set(self.one_time) | self.long_term)
        return [
            {
                "appid": a,
                "openid": o,
                "template_id": t,
                "long_term": (a, o, t) in self.long_term,
                "one_time": self.one_time.get((a, o, t), 0),
            }
            for a, o, t in keys
            if (appid is None or a == appid) and (openid is None or o == openid)
        ]

    def take(self, appid: str, openid: str, template_id: str) -> int:
        """Use up one send: 0, or 45009 (daily limit) / 43101 (no quota)."""
        today = dt.datetime.fromtimestamp(self.clock(), BEIJING).date()
        day, sent = self.daily.get((appid, template_id), (today, 0))
        if day != today:
            sent = 0
        if self.daily_limit is not None and sent >= self.daily_limit:
            return 45009
        key = (appid, openid, template_id)
        if key not in self.long_term:
            left = self.one_time.get(key, 0)
            if left <= 0:
                return 43101
            if left == 1:
                del self.one_time[key]
            else:
                self.one_time[key] = left - 1
        self.daily[(appid, template_id)] = (today, sent + 1)
        return 0
