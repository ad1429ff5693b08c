"""WeChat's message push to our server (``wechat_push.py``): the push URL, its signing, receipts to post.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PUSH_OUTCOMES = ("deliver", "fail", "silent")
FAIL_STATUS = {43101: "fail:user refuse to accept the msg", 43107: "fail:user refuse to accept the msg"}


@dataclass
class WeChatPushState:
    """WeChat's message push to the mini-program's server URL (sandbox/wechat_push.py): where it
    goes, how it is signed, what each user's receipts say, and the receipts not posted yet."""

    push_url: str | None = None
    token: str = ""
    aes_key: str | None = None
    format: str = "xml"
    auto: bool = False
    outcome: str = "deliver"
    errcode: int = 43101
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    flushing: bool = False  # an ``auto`` flusher is running

    def reset(self) -> None:
        self.pending.clear()
        self.outcomes.clear()
        self.outcome, self.errcode, self.auto = "deliver", 43101, False

    def view(self) -> dict[str, Any]:
        return {"push_url": self.push_url, "token": self.token, "aes_key": self.aes_key, "format": self.format,
                "auto": self.auto, "outcome": self.outcome, "errcode": self.errcode, "outcomes": self.outcomes,
                "pending": len(self.pending)}

    def sent(self, appid: str, openid: str, template_id: str, msgid: int, gh_id: str, at: float) -> None:
        """A subscribe message was accepted: queue its receipt as this user's outcome says."""
        rule = self.outcomes.get(openid, {"outcome": self.outcome, "errcode": self.errcode})
        if rule.get("outcome", "deliver") == "silent" or not self.push_url:
            return
        errcode = 0 if rule.get("outcome", "deliver") == "deliver" else int(rule.get("errcode") or self.errcode)
        item = {"TemplateId": template_id, "MsgID": str(msgid), "ErrorCode": str(errcode),
                "ErrorStatus": "success" if errcode == 0 else FAIL_STATUS.get(errcode, "fail:system error")}
        self.pending.append({"appid": appid, "msgid": msgid, "message": {
            "ToUserName": gh_id, "FromUserName": openid, "CreateTime": str(int(at)), "MsgType": "event",
            "Event": "subscribe_msg_sent_event", "SubscribeMsgSentEvent": {"List": item}}})
