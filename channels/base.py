"""Login adapters: one small class per channel, each turning a client's proof into an Identity."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Identity:
    channel: str  # "wechat" | "alipay" | "app"
    subject: str  # the stable id of this person on that channel
    phone: str | None = None  # the app channel's verified phone (stored encrypted, never logged)
    address: str | None = None  # where messages go when it differs from subject (WeChat: the openid)
    # Other subjects of the same person on this channel that older records may be keyed by (WeChat:
    # the openid, from before the mini-program was bound to an Open Platform account and got unionids).
    aliases: tuple[str, ...] = ()

    def __repr__(self) -> str:  # never print phones
        return f"Identity(channel={self.channel!r}, subject={self.subject[:6]!r}…)"


class LoginChannel:
    name: str = ""

    async def authenticate(self, payload: dict) -> Identity:
        raise NotImplementedError
