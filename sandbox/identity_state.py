"""The population register (``identity.py``): people registered or deregistered by hand.

Mutated only from the sandbox's event loop, synchronously (no ``await`` between reading and
writing), like the rest of ``SandboxState``: no locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IdentityState:
    # id_number -> name registered by hand; None: deregistered (not_found).
    people: dict[str, str | None] = field(default_factory=dict)

    def reset(self) -> None:
        self.people.clear()
