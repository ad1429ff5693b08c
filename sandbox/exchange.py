"""The data-sharing exchange (数据共享交换平台) and the department systems
behind it: the social-security bureau (人社, ``rsj``), the traffic police
(交警, ``jj``), the transport bureau (运管, ``ysj``) and the medical-insurance
bureau (医保, ``ybj``). Their data is derived, deterministically, in
``sandbox.exchange_data``; the field inspectors' look-ups (``/jj/vehicle``,
``/jj/driver``, ``/ysj/business``) live in ``sandbox.exchange_lookup``, 人社's
vocational certificates (``/rsj/certificates``) in ``sandbox.exchange_skills``
and 医保's 个人账户 (``/ybj/account``, ``/ybj/records``) in
``sandbox.exchange_medical``.

Every data endpoint is ``POST {prefix}/exchange/{department}/{query}`` with a
JSON body, signed with headers ``X-App-Id``, ``X-Timestamp`` (milliseconds
since the epoch), ``X-Nonce`` (8-64 of ``[A-Za-z0-9-]``) and ``X-Signature``:
lower-case hex HMAC-SHA256(app secret, ``"\\n".join([app_id, timestamp,
nonce, METHOD, path, sha256_hex(body)])``), ``path`` being the request path
as sent, prefix included, without the query (``signed_headers()`` builds
them). Apps: ``exchange_apps`` (app id -> secret). Refusals are HTTP 401:
``AUTH_FAILED`` (a header missing or malformed, unknown app, bad signature),
``TIMESTAMP_EXPIRED`` (more than 300 s off the sandbox clock),
``NONCE_REUSED`` (the app used the nonce in the last 300 s). The signature
is checked before the timestamp, and only an accepted request uses its nonce.

Every answer is an envelope ``{"code", "message", "request_id", "data"}``:
``"0"`` / ``"成功"`` with data; HTTP 200 business errors with ``data: null``:
``40001`` a bad parameter (the message names it), ``40401`` nothing for
this subject, ``40301`` the engine number does not match the plate; system
errors: HTTP status x 100 (``50000``, ``50300``...; unknown paths below
``/exchange/`` ``40400``).

人社 (``id_number``: 18 characters, a right GB 11643 check character and a
real birth date not after today; a lower-case ``x`` is read as ``X``):

* ``/exchange/rsj/insured`` ``{"id_number"}`` -> ``{"name", "id_number_masked",
  "insured": [{"type", "status", "since", "unit"}], "city"}``; nobody insured
  yet -> 40401 (the name is the population register's, ``sandbox.identity``)
* ``/exchange/rsj/contributions`` ``{"id_number", "year"}`` -> ``{"year",
  "records": [{"month", "type", "base", "personal", "unit", "status"}],
  "total_personal", "total_unit", "months_paid"}`` (totals and months over
  the 已到账 records); ``year`` an int in 1995..this year, else 40001. Or a
  range instead of ``year``: ``{"id_number", "end_year", "start_year"?}`` ->
  ``{"start_year", "end_year", "records", ...}`` (oldest first), at most 10
  years, ``start_year`` not before the first insured year (default: that,
  or ten years back), else 40001. ``insurance_type`` (险种代码 ``110`` 养老,
  ``210`` 失业, ``310`` 医疗; others 40001) keeps that type's records only
* ``/exchange/rsj/pension`` ``{"id_number", "year"?}`` -> ``{"retired": true,
  "monthly", "bank", "account_masked", "payments": [{"month", "amount",
  "paid_on"}]}`` (the last 12, or ``year``'s, newest first); born 1966 or
  later, or a ``year`` before the pension began -> 40401
* ``/exchange/rsj/card`` ``{"id_number"}`` -> ``{"card_no_masked", "status",
  "bank", "issued_on", "generation"}`` (``issued_on`` null while 制卡中)

交警 (``plate``: ``浙A12345``, or new-energy ``浙AD12345`` / ``浙A12345D``,
exactly; ``engine_tail``: exactly 6 of ``[0-9A-Z]``; ``plate_type``, optional,
号牌种类 ``01`` / ``02`` / ``51`` / ``52`` (the register's: ``02`` for 7 characters,
``52`` / ``51`` for new-energy plates with D/F after the city letter / at the
end); a wrong tail or plate type -> 40301, the same for both):

* ``/exchange/jj/vehicle-check`` ``{"plate", "engine_tail", "id_number"}`` ->
  ``{"match": bool}`` (is ``id_number`` the owner)
* ``/exchange/jj/violations`` ``{"plate", "engine_tail"}`` -> ``{"plate",
  "violations": [{"time", "place", "act", "code", "points", "fine",
  "status"}], "unhandled", "points_total"}`` (newest first; points of all)
* ``/exchange/jj/licence`` ``{"id_number"}`` -> ``{"licence_no_masked",
  "class", "status", "points", "cycle_end", "valid_until", "first_issued"}``;
  no licence -> 40401
* ``/exchange/jj/inspection`` ``{"plate", "engine_tail"}`` -> ``{"plate",
  "valid_until", "status", "next_window_from"}``

Control plane (not signed, not recorded):

* ``GET    {prefix}/exchange/jj/vehicles/{plate}`` -> ``{"plate",
  "owner_id_number", "engine_tail", "vehicle_type", "registered_on"}``: who
  owns a plate (every valid plate is registered); 404 for a malformed plate
* ``POST   {prefix}/exchange/jj/vehicles`` ``{"plate", "owner_id_number",
  "engine_tail"}`` -> 201 and the entry: register a specific owner and tail
* ``DELETE {prefix}/exchange/jj/vehicles/{plate}`` -> back to the derived entry
* ``GET    {prefix}/exchange/calls`` -> ``{target: count}``: the queries each
  endpoint answered after the signature was accepted and no fault took over
  (business errors included); ``DELETE`` resets the counts.

Targets: one per endpoint (``exchange.rsj.insured``, ...,
``exchange.jj.vehicle_check``, ...) and one per department (``exchange.rsj``,
``exchange.jj``, ``exchange.ysj``, ``exchange.ybj``: every request to it is also recorded and
faulted under that).
Faults come before the signature check. A ``status`` fault answers that status
with an envelope (code: the fault's errcode, else status x 100); an ``errcode``
fault answers HTTP 200 with ``code: str(errcode)``. The received log masks
``id_number`` / ``owner_id_number`` (``3301**********1234``; ``id_keys``) and
``engine_tail``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
import uuid
from typing import Any

import tornado.web

from sandbox import exchange_data as data
from sandbox.base import INVALID_JSON, SandboxHandler
from sandbox.exchange_state import EXCHANGE_TIMESTAMP_SKEW
from sandbox.faults import ControlHandler
from sandbox.identity import derived_name, registered_name
from sandbox.shared_state import BEIJING, Fault
from sandbox.state import SandboxState

ENDPOINT_TARGETS = (
    "exchange.rsj.insured",
    "exchange.rsj.contributions",
    "exchange.rsj.pension",
    "exchange.rsj.card",
    "exchange.jj.vehicle_check",
    "exchange.jj.violations",
    "exchange.jj.licence",
    "exchange.jj.inspection",
    # sandbox.exchange_lookup
    "exchange.jj.vehicle",
    "exchange.jj.driver",
    "exchange.ysj.business",
    # sandbox.exchange_skills, sandbox.exchange_medical
    "exchange.rsj.certificates",
    "exchange.ybj.account",
    "exchange.ybj.records",
)
DEPARTMENTS = ("rsj", "jj", "ysj", "ybj")
TARGETS = (*ENDPOINT_TARGETS, *(f"exchange.{department}" for department in DEPARTMENTS))

AUTH_HEADERS = ("X-App-Id", "X-Timestamp", "X-Nonce", "X-Signature")
NONCE = re.compile(r"[A-Za-z0-9-]{8,64}")
TIMESTAMP = re.compile(r"[0-9]{1,16}")
ID_KEYS = frozenset({"id_number", "owner_id_number"})

OK = "0"
BAD_PARAMETER, NO_RECORD, MISMATCH = "40001", "40401", "40301"
SYSTEM_MESSAGES = {500: "系统内部错误", 503: "服务暂不可用，请稍后重试", 404: "接口不存在", 405: "请求方法不支持"}


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signature(secret: str, app_id: str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    text = "\n".join([app_id, timestamp, nonce, method.upper(), path, body_digest(body)])
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_headers(
    app_id: str,
    secret: str,
    path: str,
    body: bytes,
    *,
    method: str = "POST",
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a signed request (``now``: seconds since the epoch,
    default the real time; ``path``: the full request path)."""
    timestamp = str(int((time.time() if now is None else now) * 1000))
    nonce = secrets.token_hex(8) if nonce is None else nonce
    return {
        "Content-Type": "application/json",
        "X-App-Id": app_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(secret, app_id, timestamp, nonce, method, path, body),
    }


def system_code(status: int) -> str:
    return str(status * 100)


def lookup_vehicle(state: SandboxState, plate: str) -> data.Vehicle:
    """The register's entry for a valid plate (a hand-registered owner and
    engine tail win over the derived ones)."""
    vehicle = data.derived_vehicle(plate)
    registered = state.exchange.vehicles.get(plate)
    if registered is None:
        return vehicle
    owner, tail = registered
    return data.Vehicle(plate, owner, tail, vehicle.vehicle_type, vehicle.registered_on)


def beijing_now(state: SandboxState) -> dt.datetime:
    """The sandbox clock as a naive Beijing wall-clock time."""
    return dt.datetime.fromtimestamp(state.clock(), BEIJING).replace(tzinfo=None)


class ExchangeError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def bad_parameter(message: str) -> ExchangeError:
    return ExchangeError(BAD_PARAMETER, f"参数错误：{message}")


class ExchangeHandler(SandboxHandler):
    """A signed query to one department; ``answer()`` returns the data."""

    department = ""  # one of DEPARTMENTS
    scrub_keys = frozenset({"engine_tail"})
    id_keys = ID_KEYS  # masked like a 身份证号 in the received log

    def initialize(self, state: SandboxState) -> None:
        super().initialize(state)
        self.request_id = uuid.uuid4().hex

    def request_targets(self) -> tuple[str, ...]:
        return () if self.target is None else (self.target, f"exchange.{self.department}")

    def record_json(self) -> Any:
        body = super().record_json()
        if isinstance(body, dict):
            body = {k: data.mask_id(v) if k in self.id_keys else v for k, v in body.items()}
        return body

    # ------------------------------------------------------------ answers

    def envelope(self, code: str, message: str, payload: Any = None, status: int = 200) -> None:
        self.note_code(code)
        self.send_json({"code": code, "message": message, "request_id": self.request_id, "data": payload}, status)

    def error_payload(self, status_code: int) -> dict[str, Any]:
        message = SYSTEM_MESSAGES.get(status_code, self._reason)
        return {"code": system_code(status_code), "message": message, "request_id": self.request_id, "data": None}

    def send_status_fault(self, fault: Fault, status: int) -> None:
        self.set_status(status)
        code = system_code(status) if fault.errcode is None else str(fault.errcode)
        self.envelope(code, fault.errmsg or SYSTEM_MESSAGES.get(status, self._reason), status=status)

    def send_errcode_fault(self, fault: Fault) -> None:
        self.envelope(str(fault.errcode), fault.errmsg or "injected fault")

    # ------------------------------------------------------------ signature

    def refusal(self) -> tuple[str, str] | None:
        """Why the signature headers are refused (code, message), or None."""
        values = [self.request.headers.get(name, "") for name in AUTH_HEADERS]
        missing = [name for name, value in zip(AUTH_HEADERS, values, strict=True) if not value]
        if missing:
            return "AUTH_FAILED", f"缺少认证头：{', '.join(missing)}"
        app_id, timestamp, nonce, given = values
        exchange = self.state.exchange
        secret = exchange.apps.get(app_id)
        if secret is None:
            return "AUTH_FAILED", "应用不存在或未获授权"
        if not TIMESTAMP.fullmatch(timestamp):
            return "AUTH_FAILED", "X-Timestamp 应为毫秒时间戳"
        if not NONCE.fullmatch(nonce):
            return "AUTH_FAILED", "X-Nonce 应为 8-64 位字母、数字或连字符"
        method, path = self.request.method or "", self.request.path
        expected = signature(secret, app_id, timestamp, nonce, method, path, self.request.body)
        if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
            return "AUTH_FAILED", "签名验证失败"
        if abs(int(timestamp) / 1000 - self.state.clock()) > EXCHANGE_TIMESTAMP_SKEW:
            return "TIMESTAMP_EXPIRED", "请求时间戳已过期"
        if not exchange.use_nonce(app_id, nonce):
            return "NONCE_REUSED", "请求随机串已使用"
        return None

    async def prepare(self) -> None:
        await super().prepare()
        if self.answered:
            return
        refused = self.refusal()
        if refused is not None:
            return self.envelope(*refused, status=401)
        assert self.target is not None
        self.state.exchange.calls[self.target] += 1

    def post(self) -> None:
        body = self.json_body()
        if body is INVALID_JSON or not isinstance(body, dict):
            return self.envelope(BAD_PARAMETER, "参数错误：请求体应为 JSON 对象")
        try:
            payload = self.answer(body)
        except ExchangeError as exc:
            return self.envelope(exc.code, exc.message)
        except data.NoRecord as exc:
            return self.envelope(NO_RECORD, str(exc))
        self.envelope(OK, "成功", payload)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------ parameters

    def today(self) -> dt.date:
        return beijing_now(self.state).date()

    def person(self, body: dict[str, Any]) -> data.Person:
        person = data.parse_person(body.get("id_number"), self.today())
        if person is None:
            raise bad_parameter("id_number 不是有效的身份证号码")
        return person

    def vehicle(self, body: dict[str, Any]) -> data.Vehicle:
        """The plate's vehicle, when ``engine_tail`` (and ``plate_type``, when given) are the
        register's; else 40301, the same for either, so a wrong guess tells nothing."""
        plate, tail, kind = body.get("plate"), body.get("engine_tail"), body.get("plate_type")
        if not data.valid_plate(plate):
            raise bad_parameter("plate 不是有效的号牌号码")
        if not data.valid_engine_tail(tail):
            raise bad_parameter("engine_tail 应为发动机号后 6 位（数字或大写字母）")
        if kind is not None and kind not in data.PLATE_TYPES:
            raise bad_parameter(f"plate_type 应为 {'、'.join(data.PLATE_TYPES)} 之一")
        vehicle = lookup_vehicle(self.state, plate)
        same_tail = hmac.compare_digest(vehicle.engine_tail, tail)
        if not same_tail or (kind is not None and kind != data.plate_type(plate)):
            raise ExchangeError(MISMATCH, "号牌种类、号牌号码与发动机号不匹配")
        return vehicle


class InsuredHandler(ExchangeHandler):
    target, department = "exchange.rsj.insured", "rsj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person = self.person(body)
        name = registered_name(self.state, person.id_number) or derived_name(person.id_number)
        return data.insured(person, name, self.today())


class ContributionsHandler(ExchangeHandler):
    target, department = "exchange.rsj.contributions", "rsj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person, today = self.person(body), self.today()
        code = body.get("insurance_type")
        if code is not None and code not in data.INSURANCE_TYPES:
            raise bad_parameter(f"insurance_type 应为 {'、'.join(data.INSURANCE_TYPES)} 之一")
        kind = None if code is None else data.INSURANCE_TYPES[code]
        if "end_year" not in body and "start_year" not in body:
            return data.contributions(person, self.year(body, "year"), today, kind)
        if "year" in body:
            raise bad_parameter("year 与 start_year / end_year 只能选一种")
        end = self.year(body, "end_year")
        first = data.first_contribution_year(person)
        if "start_year" not in body:  # from the first insured year, ten years at most
            start = min(max(first, end - data.MAX_CONTRIBUTION_YEARS + 1), end)
        else:
            start = self.year(body, "start_year")
            if start > end:
                raise bad_parameter("start_year 不能晚于 end_year")
            if end - start >= data.MAX_CONTRIBUTION_YEARS:
                raise bad_parameter(f"一次最多查询 {data.MAX_CONTRIBUTION_YEARS} 个年度")
            if start < first:
                raise bad_parameter(f"start_year 不能早于首次参保年度 {first}")
        return data.contribution_years(person, start, end, today, kind)

    def year(self, body: dict[str, Any], key: str) -> int:
        year, today = body.get(key), self.today()
        if isinstance(year, bool) or not isinstance(year, int) or not data.FIRST_CONTRIBUTION_YEAR <= year <= today.year:
            raise bad_parameter(f"{key} 应为 {data.FIRST_CONTRIBUTION_YEAR} 至 {today.year} 之间的整数")
        return year


class PensionHandler(ExchangeHandler):
    target, department = "exchange.rsj.pension", "rsj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person, today, year = self.person(body), self.today(), body.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not data.FIRST_CONTRIBUTION_YEAR <= year <= today.year):
            raise bad_parameter(f"year 应为 {data.FIRST_CONTRIBUTION_YEAR} 至 {today.year} 之间的整数")
        return data.pension(person, today, year)


class CardHandler(ExchangeHandler):
    target, department = "exchange.rsj.card", "rsj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        return data.card(self.person(body), self.today())


class VehicleCheckHandler(ExchangeHandler):
    target, department = "exchange.jj.vehicle_check", "jj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        person = self.person(body)
        return {"match": self.vehicle(body).owner_id_number == person.id_number}


class ViolationsHandler(ExchangeHandler):
    target, department = "exchange.jj.violations", "jj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        return data.violations(self.vehicle(body), beijing_now(self.state))


class LicenceHandler(ExchangeHandler):
    target, department = "exchange.jj.licence", "jj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        return data.licence(self.person(body), self.today())


class InspectionHandler(ExchangeHandler):
    target, department = "exchange.jj.inspection", "jj"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        return data.inspection(self.vehicle(body), self.today())


class ExchangeNotFoundHandler(ExchangeHandler):
    """Unknown paths below ``/exchange/``: an envelope 404 (``40400``)."""

    def prepare(self) -> None:  # type: ignore[override]
        raise tornado.web.HTTPError(404)


# ---------------------------------------------------------------- control plane


class VehiclesHandler(ControlHandler):
    def post(self) -> None:
        body = self.json_body()
        if not isinstance(body, dict):
            return self.fail(400, "body must be a JSON object")
        plate, owner, tail = body.get("plate"), body.get("owner_id_number"), body.get("engine_tail")
        if not data.valid_plate(plate):
            return self.fail(400, "plate must be a plate number such as 浙A12345 or 浙AD12345")
        person = data.parse_person(owner, beijing_now(self.state).date())
        if person is None:
            return self.fail(400, "owner_id_number must be a valid 身份证号 (check character, birth date)")
        if not data.valid_engine_tail(tail):
            return self.fail(400, "engine_tail must be 6 digits or upper-case letters")
        self.state.exchange.vehicles[plate] = (person.id_number, tail)
        self.send_json(lookup_vehicle(self.state, plate).to_json(), 201)


def _path_plate(value: str) -> str:
    """A plate from the path: percent-encoded UTF-8, or raw UTF-8 (which
    tornado reads as Latin-1)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


class VehicleHandler(ControlHandler):
    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        return _path_plate(super().decode_argument(value, name))

    def get(self, plate: str) -> None:
        if not data.valid_plate(plate):
            return self.fail(404, "no such vehicle: not a valid plate number")
        self.send_json(lookup_vehicle(self.state, plate).to_json())

    def delete(self, plate: str) -> None:
        if self.state.exchange.vehicles.pop(plate, None) is None:
            return self.fail(404, f"no vehicle registered by hand for {plate!r}")
        self.send_json(lookup_vehicle(self.state, plate).to_json())


class CallsHandler(ControlHandler):
    def get(self) -> None:
        calls = self.state.exchange.calls
        self.send_json({target: calls.get(target, 0) for target in ENDPOINT_TARGETS})

    def delete(self) -> None:
        calls = self.state.exchange.calls
        count = sum(calls.values())
        calls.clear()
        self.send_json({"deleted": count})


def exchange_routes(state: SandboxState, prefix_re: str) -> list[tuple[str, type, dict[str, Any]]]:
    base = rf"{prefix_re}/exchange"
    args = {"state": state}
    return [
        (rf"{base}/rsj/insured", InsuredHandler, args),
        (rf"{base}/rsj/contributions", ContributionsHandler, args),
        (rf"{base}/rsj/pension", PensionHandler, args),
        (rf"{base}/rsj/card", CardHandler, args),
        (rf"{base}/jj/vehicle-check", VehicleCheckHandler, args),
        (rf"{base}/jj/violations", ViolationsHandler, args),
        (rf"{base}/jj/licence", LicenceHandler, args),
        (rf"{base}/jj/inspection", InspectionHandler, args),
        (rf"{base}/jj/vehicles", VehiclesHandler, args),
        (rf"{base}/jj/vehicles/([^/]{{1,64}})", VehicleHandler, args),
        (rf"{base}/calls", CallsHandler, args),
        (rf"{base}/.*", ExchangeNotFoundHandler, args),
    ]
