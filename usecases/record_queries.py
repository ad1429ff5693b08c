"""Running an instant query for the logged-in resident: the subject is always the resident
(their verified 身份证号) or a vehicle they have bound, never an identity from the request.
Fresh cached answers skip the department; when the department is down, a cached answer is
served marked stale (with its age), else 503 `exchange.unavailable`."""

import datetime as dt
import functools
import hashlib
import logging
import time

from marshmallow import ValidationError

from exchange.base import NoRecord
from models import queries, residents, vehicles
from models.clock import BEIJING
from models.errors import AppError, NotFound
from models.queries import QUERIES

log = logging.getLogger(__name__)


async def run(db, claims: dict, item: dict, body: dict, *, redis, pii, exchange: dict, hot, limiter) -> dict:
    """`limiter`: queries on a plate not bound (engine numbers tried), or None."""
    spec = QUERIES.get(item.get("query") or "") if item.get("kind") == "query" else None
    if spec is None:
        raise NotFound("query.not_found", "该事项不是查询类事项")
    department = exchange.get(spec.department)
    if department is None:
        raise AppError(503, "exchange.not_connected", "该查询暂未接入，请稍后再试")
    resident = await residents.of_token(db, claims)
    owner, realname = str(resident["_id"]), resident.get("realname")
    if not realname:
        raise AppError(403, "query.realname_required", "请先完成实名认证")
    audit = {"owner": owner, "query": item["query"], "item": item["code"], "channel": claims["aud"]}
    unknown = sorted(k for k, v in body.items() if v is not None and k not in spec.fields())
    if unknown:
        raise AppError(422, "validation_failed", "该查询不支持所填的查询条件",
                       details={k: ["该查询不支持此项"] for k in unknown})
    method = getattr(department, spec.method)
    key_extra = None
    if spec.subject == "vehicle":
        if not body.get("plate"):
            raise AppError(422, "validation_failed", "请选择要查询的车辆", details={"plate": ["必填"]})
        plate = vehicles.check_plate(body["plate"])
        audit["subject"] = plate
        params = {"plate": plate}
        if body.get("plate_type"):
            params["plate_type"] = body["plate_type"]
        tail = (body.get("engine_no_last6") or "").upper()
        try:
            bound_tail = await vehicles.bound(db, owner, plate, pii)
        except AppError:
            if not tail:  # a plate alone tells a stranger nothing
                await queries.audit(db, **audit, outcome="refused", ms=0)
                if "engine_no_last6" in spec.takes:
                    raise AppError(403, "vehicle.not_bound", "请先绑定该车辆，或填写发动机号后六位") from None
                raise
            bound_tail = None
            if limiter is not None:  # nobody tries engine numbers until one fits
                try:
                    await limiter.take(owner)
                except AppError:
                    await queries.audit(db, **audit, outcome="refused", ms=0)
                    raise
        if tail and tail != bound_tail:  # the department checks it against the register (else 40301)
            key_extra = hashlib.sha256(f"{owner}:{tail}".encode()).hexdigest()[:16]
        call = functools.partial(method, plate, tail or bound_tail, plate_type=params.get("plate_type"))
    else:
        audit["subject"] = realname["id_masked"]
        params = _params(spec, body)
        call = functools.partial(method, pii.decrypt(realname["id_enc"]), **params)
    answer = await _answer(db, redis, spec, item, department, call, params, audit, key_extra)
    await hot.record_use(audit["channel"], item["code"])
    return answer


def _params(spec, body: dict) -> dict:
    """What a person's query takes besides the person (also the cache key's and the answer's)."""
    params = {}
    start, end = body.get("start_year"), body.get("end_year")
    if "start_year" in spec.takes and (start or end):  # a range of years; the bureau bounds it further
        this_year = dt.datetime.now(BEIJING).year
        if start and not end:
            end = min(start + queries.MAX_YEARS - 1, this_year)
        if start and start > end:
            raise AppError(422, "validation_failed", "起始年度不能晚于截止年度", details={"start_year": ["晚于截止年度"]})
        params.update({"start_year": start, "end_year": end} if start else {"end_year": end})
    elif spec.year:
        params["year"] = body.get("year") or dt.datetime.now(BEIJING).year
    elif "year" in spec.takes and body.get("year"):
        params["year"] = body["year"]
    if "insurance" in spec.takes and body.get("insurance"):
        params["insurance"] = body["insurance"]
    if spec.cert_no and body.get("cert_no"):
        params["cert_no"] = body["cert_no"].upper()
    return params


async def _ask(spec, department, call) -> dict:
    """The department's answer, through the query's schema; one that does not fit is its fault."""
    data = await call()
    try:
        return spec.answer().load(data)
    except ValidationError as err:
        log.error("%s answered out of shape: %s", department.name, sorted(err.messages))
        raise department.unavailable() from None


async def _answer(db, redis, spec, item, department, call, params, audit, key_extra=None) -> dict:
    """`key_extra`: what else the answer depends on, kept out of `params` (an engine number typed in)."""
    key = queries.cache_key(audit["owner"], item["query"], params if key_extra is None else {**params, "_": key_extra})
    entry = await queries.cached(redis, key)
    start = time.monotonic()
    if entry and queries.age_seconds(entry) < spec.ttl:
        outcome = "cached"
    else:
        try:
            entry = await queries.keep(redis, key, await _ask(spec, department, call))
            outcome = "ok"
        except NoRecord as exc:  # "nothing on record" is an answer too: kept as long as data would be
            entry = await queries.keep(redis, key, None, no_record=exc.message)
            outcome = "ok"
        except AppError as exc:
            if exc.status != 503 or entry is None or entry.get("no_record") is not None:
                await queries.audit(db, **audit, outcome="unavailable" if exc.status == 503 else "rejected",
                                    ms=_ms(start))
                raise
            outcome = "stale"  # the department is down: last known answer, marked
    if entry.get("no_record") is not None:
        await queries.audit(db, **audit, outcome="no_record", ms=_ms(start))
        raise AppError(404, "query.no_record", entry["no_record"])
    await queries.audit(db, **audit, outcome=outcome, ms=_ms(start))
    return {"item": item["code"], "query": item["query"], "params": params, "data": entry["data"],
            "fetched_at": entry["fetched_at"], "stale": outcome == "stale",
            "age_seconds": round(queries.age_seconds(entry)), "source": department.title}


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


async def bind_vehicle(db, claims: dict, body: dict, *, pii, exchange: dict) -> dict:
    """Bind a plate after the traffic police confirm it is the resident's."""
    resident = await residents.of_token(db, claims)
    if not resident.get("realname"):
        raise AppError(403, "query.realname_required", "请先完成实名认证")
    police = exchange.get("jj")
    if police is None:
        raise AppError(503, "exchange.not_connected", "车辆核验暂未接入，请稍后再试")
    id_number = pii.decrypt(resident["realname"]["id_enc"])
    if not await police.owns(body["plate"], body["engine_tail"], id_number):
        raise AppError(422, "vehicle.not_owner", "该车辆不在您的名下，无法绑定")
    return await vehicles.bind(db, str(resident["_id"]), body["plate"], body["engine_tail"], pii)
