"""The handler base class shared by every sandbox endpoint.

A handler with a ``target`` (an upstream endpoint such as ``wechat.token``)
gets, before its method runs:

1. the request recorded in the received log (secrets scrubbed), and
2. the oldest matching injected fault applied: latency first, then drop the
   connection, answer with an HTTP status, or answer with an errcode.

Hooks for upstreams that need more than that:

* ``scrub_keys``         - extra keys masked in the log (phone numbers, codes)
* ``request_targets()``  - record and fault one request under several targets
  (the Alipay gateway: the method's target and ``alipay.gateway``)
* ``record_query()``     - what the log shows as the request's parameters
* ``record_json()``      - what the log shows as the JSON body (partly masked
  values such as the exchange's ``3301**********1234``)
* ``send_errcode_fault`` - how an ``errcode`` fault looks in this upstream
* ``send_status_fault``  - how a ``status`` fault's body looks (JPush's SDK
  needs its own error shape even there)
* ``note_code()``        - the upstream's own result code for the log's
  ``errcode`` field (WeChat's int errcode is picked up automatically)

Handlers without a target (the control plane) are neither recorded nor
faulted. Every answer, errors included, is JSON.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import tornado.web

from sandbox.shared_state import SCRUBBED_KEYS, Fault, scrub
from sandbox.state import SandboxState

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

log = logging.getLogger(__name__)


class _InvalidJson:
    def __repr__(self) -> str:
        return "INVALID_JSON"


# What ``json_body()`` returns for a body that is present but not JSON.
INVALID_JSON: Any = _InvalidJson()


# Bodies nested deeper than this are treated as not JSON: no upstream sends
# them, and it keeps recursive walks (scrubbing, validation) well in bounds.
MAX_JSON_DEPTH = 64


def json_depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in item)
    return True


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SandboxHandler(tornado.web.RequestHandler):
    """Plain RequestHandler: JSON out, recording and faults for ``target``."""

    target: str | None = None
    # Keys masked in the received log on top of ``state.SCRUBBED_KEYS``.
    scrub_keys: frozenset[str] = frozenset()

    def initialize(self, state: SandboxState) -> None:
        self.state = state
        self.record: dict[str, Any] | None = None
        self.dropped = False
        self.answered = False  # an answer was sent (or the connection dropped)
        self._answer_errcode: int | str | None = None
        self._json_cache: Any = None
        self._json_parsed = False

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", JSON_CONTENT_TYPE)

    def check_xsrf_cookie(self) -> None:
        # Upstream platforms do not use cookies; a host app with
        # xsrf_cookies=True must not reject the SDKs' POSTs.
        return None

    # ------------------------------------------------------------ input

    def json_body(self) -> Any:
        """The parsed body: None when empty, INVALID_JSON when not JSON."""
        if not self._json_parsed:
            self._json_parsed = True
            body = self.request.body
            if not body or not body.strip():
                self._json_cache = None
            else:
                try:
                    parsed = json.loads(body)
                except (ValueError, UnicodeDecodeError, RecursionError):
                    parsed = INVALID_JSON
                self._json_cache = parsed if json_depth_ok(parsed) else INVALID_JSON
        return self._json_cache

    def query_dict(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        for name, values in self.request.query_arguments.items():
            decoded = [v.decode("utf-8", "replace") for v in values]
            query[name] = decoded[0] if len(decoded) == 1 else decoded
        return query

    # ------------------------------------------------------------ output

    def note_code(self, code: int | str | None) -> None:
        """Record ``code`` as the answer's ``errcode`` in the received log."""
        self._answer_errcode = code

    def send_json(self, payload: Any, status: int = 200) -> None:
        """Answer with ``payload`` and finish the request."""
        if isinstance(payload, dict) and isinstance(payload.get("errcode"), int):
            self.note_code(payload["errcode"])
        self.send_raw(None if status in (204, 304) else dumps(payload), status)

    def send_raw(self, body: bytes | None, status: int = 200) -> None:
        """Answer with ``body`` as it is (already-serialised JSON)."""
        self.answered = True
        self.set_status(status)
        if body is None:
            self.finish()
        else:
            self.finish(body)

    def error_payload(self, status_code: int) -> dict[str, Any]:
        return {"error": self._reason, "status": status_code}

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", JSON_CONTENT_TYPE)
        self.finish(dumps(self.error_payload(status_code)))

    # ------------------------------------------------------------ recording and faults

    def request_targets(self) -> tuple[str, ...]:
        """The targets this request is recorded and faulted under, the most
        specific first (the record's ``target``). Empty: neither."""
        return () if self.target is None else (self.target,)

    def record_query(self) -> dict[str, Any]:
        """The request parameters as the received log shows them (unscrubbed)."""
        return self.query_dict()

    def record_json(self) -> Any:
        """The JSON body as the received log shows it (before ``scrub_keys``
        are masked); None when it is not JSON."""
        body = self.json_body()
        return None if body is INVALID_JSON else body

    async def prepare(self) -> None:
        targets = self.request_targets()
        if not targets:
            return
        keys = SCRUBBED_KEYS | self.scrub_keys
        self.record = self.state.received.add(
            {
                "target": targets[0],
                "method": self.request.method,
                "path": self.request.path,
                "query": scrub(self.record_query(), keys),
                "json": scrub(self.record_json(), keys),
                "at": self.state.now_iso(),
                "fault_id": None,
                "status": None,
                "errcode": None,
            },
            also=targets[1:],
        )
        fault = self.state.faults.take(*targets)
        if fault is not None:
            self.record["fault_id"] = fault.id
            await self.apply_fault(fault)

    async def apply_fault(self, fault: Fault) -> None:
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.drop:
            self.drop_connection()
        elif fault.status is not None:
            self.send_status_fault(fault, fault.status)
        elif fault.errcode is not None:
            self.send_errcode_fault(fault)
        # Latency alone: fall through to the normal answer.

    def send_status_fault(self, fault: Fault, status: int) -> None:
        """The answer to a ``status`` fault: the sandbox's plain JSON error,
        with the fault's errcode and errmsg when it has an errcode."""
        self.set_status(status)
        payload: dict[str, Any] = {"error": self._reason, "status": status}
        if fault.errcode is not None:
            payload["errcode"] = fault.errcode
            payload["errmsg"] = fault.errmsg
        self.send_json(payload, status)

    def send_errcode_fault(self, fault: Fault) -> None:
        """The answer to an ``errcode`` fault: WeChat's shape by default."""
        self.send_json({"errcode": fault.errcode, "errmsg": fault.errmsg})

    def drop_connection(self) -> None:
        """Close the socket without answering (a simulated network failure)."""
        log.info("sandbox: dropping %s %s (injected fault)", self.request.method, self.request.path)
        self.dropped = True
        self.answered = True
        connection = self.request.connection
        if connection is not None:
            connection.close()  # type: ignore[attr-defined]
        # Mark the request finished so nothing is written and the method is
        # skipped; tornado checks this flag right after prepare().
        self._finished = True
        self.on_finish()

    def on_finish(self) -> None:
        if self.record is not None:
            self.record["status"] = None if self.dropped else self.get_status()
            self.record["errcode"] = self._answer_errcode


class NotFoundHandler(SandboxHandler):
    """JSON 404 for any unmatched path below the prefix."""

    def prepare(self) -> None:  # type: ignore[override]
        raise tornado.web.HTTPError(404)
