"""Control plane shared by all upstreams: faults, the received log, reset.

* ``POST   {prefix}/faults``       add a fault (201 + the stored fault)
* ``GET    {prefix}/faults``       list active faults (and the known targets)
* ``DELETE {prefix}/faults``       clear all faults
* ``GET    {prefix}/faults/{id}``  one fault
* ``DELETE {prefix}/faults/{id}``  clear one fault
* ``GET    {prefix}/received[?target=]``  recorded requests, oldest first
* ``DELETE {prefix}/received[?target=]``  forget recorded requests
* ``POST   {prefix}/reset``        clear faults, the log and upstream data

Control-plane errors are ``{"error": "..."}`` with HTTP 400/404.
"""

from __future__ import annotations

from typing import Any

from sandbox.base import INVALID_JSON, SandboxHandler
from sandbox.shared_state import Fault
from sandbox.state import SandboxState

MAX_LATENCY_MS = 60_000
DEFAULT_FAULT_ERRMSG = "injected fault"
_FAULT_FIELDS = {"target", "errcode", "errmsg", "status", "latency_ms", "times", "drop", "probability"}


class FaultSpecError(ValueError):
    pass


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_fault(body: Any, state: SandboxState) -> Fault:
    """Validate a fault request body; raise FaultSpecError with the reason."""
    if not isinstance(body, dict):
        raise FaultSpecError("body must be a JSON object")
    unknown = sorted(set(body) - _FAULT_FIELDS)
    if unknown:
        raise FaultSpecError(f"unknown field(s): {', '.join(unknown)}")

    target = body.get("target")
    if not isinstance(target, str) or not target:
        raise FaultSpecError("target is required")
    if target not in state.targets:
        raise FaultSpecError(f"unknown target {target!r}; known: {', '.join(sorted(state.targets))}")

    errcode = body.get("errcode")
    if errcode is not None and not _is_int(errcode):
        raise FaultSpecError("errcode must be an integer")
    errmsg = body.get("errmsg")
    if errmsg is not None and not isinstance(errmsg, str):
        raise FaultSpecError("errmsg must be a string")
    if errcode is not None and errmsg is None:
        errmsg = DEFAULT_FAULT_ERRMSG

    status = body.get("status")
    if status is not None and (not _is_int(status) or not 200 <= status <= 599):
        raise FaultSpecError("status must be an integer HTTP status between 200 and 599")

    latency_ms = body.get("latency_ms")
    if latency_ms is None:
        latency_ms = 0
    if not _is_int(latency_ms) or not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise FaultSpecError(f"latency_ms must be an integer between 0 and {MAX_LATENCY_MS}")

    times = body.get("times", 1)
    if times is None:
        times = 0
    if not _is_int(times) or times < 0:
        raise FaultSpecError("times must be an integer >= 0 (0 or null: until cleared)")

    drop = body.get("drop")
    if drop is None:
        drop = False
    if not isinstance(drop, bool):
        raise FaultSpecError("drop must be a boolean")

    probability = body.get("probability", 1)
    if isinstance(probability, bool) or not isinstance(probability, int | float) or not 0 < probability <= 1:
        raise FaultSpecError("probability must be a number in (0, 1]")

    if not (drop or status is not None or errcode is not None or latency_ms):
        raise FaultSpecError("a fault needs at least one of errcode, status, latency_ms, drop")

    return Fault(
        target=target,
        errcode=errcode,
        errmsg=errmsg,
        status=status,
        latency_ms=latency_ms,
        times=times,
        drop=drop,
        probability=float(probability),
        created_at=state.now_iso(),
    )


class ControlHandler(SandboxHandler):
    """Control-plane endpoints: never recorded, never faulted."""

    target = None

    def fail(self, status: int, message: str) -> None:
        self.send_json({"error": message}, status)


class FaultsHandler(ControlHandler):
    def get(self) -> None:
        self.send_json(
            {
                "faults": [f.to_json() for f in self.state.faults.list()],
                "targets": sorted(self.state.targets),
            }
        )

    def post(self) -> None:
        body = self.json_body()
        if body is INVALID_JSON:
            return self.fail(400, "body is not valid JSON")
        try:
            fault = parse_fault(body, self.state)
        except FaultSpecError as exc:
            return self.fail(400, str(exc))
        self.state.faults.add(fault)
        self.send_json(fault.to_json(), 201)

    def delete(self) -> None:
        self.send_json({"deleted": self.state.faults.clear()})


class FaultHandler(ControlHandler):
    def get(self, fault_id: str) -> None:
        fault = self.state.faults.get(int(fault_id))
        if fault is None:
            return self.fail(404, f"no active fault {fault_id}")
        self.send_json(fault.to_json())

    def delete(self, fault_id: str) -> None:
        if not self.state.faults.remove(int(fault_id)):
            return self.fail(404, f"no active fault {fault_id}")
        self.send_json({"deleted": 1})


class ReceivedHandler(ControlHandler):
    def _target(self) -> tuple[bool, str | None]:
        target = self.get_query_argument("target", None) or None
        if target is not None and target not in self.state.targets:
            self.fail(400, f"unknown target {target!r}; known: {', '.join(sorted(self.state.targets))}")
            return False, None
        return True, target

    def get(self) -> None:
        ok, target = self._target()
        if ok:
            self.send_json({"requests": self.state.received.list(target)})

    def delete(self) -> None:
        ok, target = self._target()
        if ok:
            self.state.received.clear(target)
            self.send_json({"deleted": True})


class ResetHandler(ControlHandler):
    def post(self) -> None:
        self.state.reset()
        self.send_json({"reset": True})


def control_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    args = {"state": state}
    return [
        (rf"{prefix_re}/faults", FaultsHandler, args),
        (rf"{prefix_re}/faults/([0-9]{{1,18}})", FaultHandler, args),
        (rf"{prefix_re}/received", ReceivedHandler, args),
        (rf"{prefix_re}/reset", ResetHandler, args),
    ]
