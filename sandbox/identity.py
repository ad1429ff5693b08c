"""The population register: does this name belong to this 身份证号?

* ``POST {prefix}/identity/verify``  ``{"name", "id_number"}`` -> HTTP 200
  ``{"result": "match" | "mismatch" | "not_found", "request_id"}``
* ``GET  {prefix}/identity/people/{id_number}``  -> ``{"id_number", "name"}``
  or 404 (control plane: how tests and the demo learn a registered name)
* ``POST {prefix}/identity/people``  ``{"id_number", "name"}`` -> 201:
  register a specific name for a number (``"name": null`` deregisters it:
  ``not_found`` from then on)

The register is deterministic: every 18-character 身份证号 whose GB 11643
check character is right is registered, with a name derived from
sha256(id_number) (one of 30 common surnames and one or two of 60 given-name
characters); a lower-case ``x`` check character is read as ``X``. Any other
number is ``not_found``. Names compare exactly.

Target: ``identity.verify`` (``status``, ``latency_ms`` and ``drop`` faults as
usual; an ``errcode`` fault answers HTTP 200 ``{"errcode", "errmsg"}``). The
received log masks ``name`` and ``id_number``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from typing import Any

from sandbox.base import INVALID_JSON, SandboxHandler
from sandbox.faults import ControlHandler
from sandbox.state import SandboxState

TARGETS = ("identity.verify",)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞"
    "建国文辉力波宁欣怡婷雪梅琳晨浩宇轩子涵思佳嘉悦博瑞昊睿诗雨安"
)

# GB 11643-1999: weights of the first 17 digits, and the check character
# for each (weighted sum mod 11).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
MAX_NAME_LENGTH = 64


def check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def with_check_char(first17: str) -> str:
    """A complete, valid 身份证号 from its first 17 digits."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise ValueError("need exactly 17 digits")
    return first17 + check_char(first17)


def person_for(seed: str) -> tuple[str, str]:
    """(身份证号, registered name) of a made-up person, the same for the same seed: tests and
    benchmarks give each resident their own identity without a shared list."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000)
    id_number = with_check_char(f"330106{birth:%Y%m%d}{n // 20000 % 1000:03d}")
    return id_number, derived_name(id_number)


def normalize(id_number: str) -> str | None:
    """The number with an upper-case X when it is a valid 身份证号, else None."""
    id_number = id_number.strip().upper()
    if not ID_SHAPE.fullmatch(id_number) or check_char(id_number[:17]) != id_number[17]:
        return None
    return id_number


def derived_name(id_number: str) -> str:
    """The name the register holds for a valid number nobody re-registered."""
    n = int.from_bytes(hashlib.sha256(id_number.encode("ascii")).digest(), "big")
    n, surname = divmod(n, len(SURNAMES))
    n, extra = divmod(n, 2)
    n, first = divmod(n, len(GIVEN_NAME_CHARS))
    name = SURNAMES[surname] + GIVEN_NAME_CHARS[first]
    if extra:
        name += GIVEN_NAME_CHARS[n % len(GIVEN_NAME_CHARS)]
    return name


def registered_name(state: SandboxState, id_number: str) -> str | None:
    """The name registered for ``id_number`` (any spelling), or None."""
    normal = normalize(id_number)
    if normal is None:
        return None
    if normal in state.identity.people:
        return state.identity.people[normal]
    return derived_name(normal)


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH


class VerifyHandler(SandboxHandler):
    target = "identity.verify"
    scrub_keys = frozenset({"name", "id_number"})

    def post(self) -> None:
        body = self.json_body()
        if body is INVALID_JSON or not isinstance(body, dict):
            return self.send_json({"error": "body must be a JSON object"}, 400)
        name, id_number = body.get("name"), body.get("id_number")
        if not _valid_name(name):
            return self.send_json({"error": f"name must be a string of 1-{MAX_NAME_LENGTH} characters"}, 400)
        if not isinstance(id_number, str) or not id_number:
            return self.send_json({"error": "id_number must be a non-empty string"}, 400)
        registered = registered_name(self.state, id_number)
        if registered is None:
            result = "not_found"
        else:
            result = "match" if registered == name else "mismatch"
        self.send_json({"result": result, "request_id": uuid.uuid4().hex})


class PersonHandler(ControlHandler):
    def get(self, id_number: str) -> None:
        name = registered_name(self.state, id_number)
        if name is None:
            return self.fail(404, "no such person in the register")
        self.send_json({"id_number": normalize(id_number), "name": name})


class PeopleHandler(ControlHandler):
    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        id_number = body.get("id_number")
        normal = normalize(id_number) if isinstance(id_number, str) else None
        if normal is None:
            return self.fail(400, "id_number must be 18 characters with a valid GB 11643 check character")
        if "name" not in body:
            return self.fail(400, "name is required (null deregisters)")
        name = body["name"]
        if name is not None and not _valid_name(name):
            return self.fail(400, f"name must be null or a string of 1-{MAX_NAME_LENGTH} characters")
        self.state.identity.people[normal] = name
        self.send_json({"id_number": normal, "name": name}, 201)


def identity_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/identity"
    args = {"state": state}
    return [
        (rf"{base}/verify", VerifyHandler, args),
        (rf"{base}/people", PeopleHandler, args),
        (rf"{base}/people/([^/]{{1,64}})", PersonHandler, args),
    ]
