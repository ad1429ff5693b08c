"""Chinese working days (工作日): the 承诺时限 of service items is counted in them.

A working day follows the State Council's yearly schedule: Monday to Friday, except statutory
holidays (放假), plus the weekend days declared make-up working days (调休上班). For each year
the schedule comes from, in this order:

1. an operator-loaded schedule (MongoDB collection `calendar_years`, one document per year);
   it replaces that year's library data entirely, so operators can also correct a year the
   library covers (a late change to the official schedule);
2. the `chinese-calendar` package, which knows the official schedules of `library_years()`
   (2004..2026 in version 1.11.0; its `is_workday` raises NotImplementedError outside them);
3. weekends alone: Monday to Friday are working days, and every answer drawn from such a
   year is flagged provisional, so a due date can be shown as 暂定 until the year is loaded.

A schedule is tied to its calendar year: a day belongs to the schedule of the year it lies in.

`Calendar` answers from per-year tables built once (a flag per day and a running count of
working days), so `add_working_days` is a binary search and not a walk over days.
"""

import bisect
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import Literal

from chinese_calendar import constants as cc
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from pymongo import ASCENDING

from models.clock import BEIJING, business_date  # noqa: F401  (callers use workdays.business_date)
from models.errors import Invalid, NotFound, flatten_errors
from models.forms import REQUIRED_MSG

YEAR_RANGE = (2000, 2100)  # years an operator may load
MAX_DAYS = 365  # the largest n of add_working_days (promise_days of items has the same bound)
MAX_ENTRIES = 60  # per list of a loaded schedule
SATURDAY, SUNDAY = 5, 6

Source = Literal["official", "operator"]


@dataclasses.dataclass(frozen=True)
class YearSchedule:
    """One year's schedule.

    `holidays`: days off that would otherwise be working days (listing the weekend days of a
    holiday too, as the official schedule does, changes nothing). `workdays`: weekend days that
    are make-up working days (调休上班). A day in both counts as a working day, as in the library.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: Source


# --- the library's data --------------------------------------------------------------------


@functools.cache
def library_years() -> tuple[int, int]:
    """First and last year whose official schedule chinese-calendar knows (inclusive).

    The same bounds chinese_calendar checks before answering: the years of its `holidays` table.
    """
    years = {d.year for d in cc.holidays}
    return min(years), max(years)


@functools.cache
def _library_tables() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    by_year: dict[int, tuple[set[date], set[date]]] = {}
    for table, slot in ((cc.holidays, 0), (cc.workdays, 1)):
        for day in table:
            by_year.setdefault(day.year, (set(), set()))[slot].add(day)
    return {year: (frozenset(h), frozenset(w)) for year, (h, w) in by_year.items()}


def library_schedule(year: int) -> YearSchedule | None:
    """The official schedule of `year` from chinese-calendar, or None outside `library_years()`.

    Also the starting point for an operator correcting a library year (their schedule replaces it).
    """
    first, last = library_years()
    if not first <= year <= last:
        return None
    holidays, workdays = _library_tables().get(year, (frozenset(), frozenset()))
    return YearSchedule(year, holidays, workdays, "official")


# --- the calendar ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Year:
    year: int
    first: int  # ordinal of January 1
    flags: bytes  # flags[i] == 1: day i of the year (0-based) is a working day
    counts: list[int]  # counts[k]: working days among the first k days of the year
    provisional: bool


def _build_year(year: int, schedule: YearSchedule | None) -> _Year:
    first = date(year, 1, 1).toordinal()
    size = date(year + 1, 1, 1).toordinal() - first
    holidays = schedule.holidays if schedule else frozenset()
    workdays = schedule.workdays if schedule else frozenset()
    flags = bytearray(size)
    counts = [0] * (size + 1)
    for i in range(size):
        day = date.fromordinal(first + i)
        working = day in workdays or (day.weekday() < SATURDAY and day not in holidays)
        flags[i] = working
        counts[i + 1] = counts[i] + working
    return _Year(year, first, bytes(flags), counts, provisional=schedule is None)


@functools.cache
def _default_year(year: int) -> _Year:
    """A year no operator loaded: the library's schedule, or weekends only (provisional)."""
    return _build_year(year, library_schedule(year))


def _check_day(day) -> None:
    # A datetime is a date too, but its .date() is the UTC one: callers must use business_date().
    if not isinstance(day, date) or isinstance(day, dt.datetime):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__} (use business_date())")


class Calendar:
    """Working days with the operator-loaded `schedules` ({year: YearSchedule}) taking precedence."""

    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None):
        self._schedules = dict(schedules or {})
        for year, schedule in self._schedules.items():
            if schedule.year != year:
                raise ValueError(f"schedule of {schedule.year} given for year {year}")
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            schedule = self._schedules.get(year)
            table = _build_year(year, schedule) if schedule else _default_year(year)
            self._years[year] = table
        return table

    def schedule(self, year: int) -> YearSchedule | None:
        """The schedule in force for `year`: the operator's, else the library's, else None (weekends only)."""
        return self._schedules.get(year) or library_schedule(year)

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(whether `day` is a working day, whether that answer is provisional)."""
        _check_day(day)
        table = self._year(day.year)
        return bool(table.flags[day.toordinal() - table.first]), table.provisional

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day strictly after `start`, and whether it is provisional.

        n == 0 is for 即办 items, due the same working day: `start` itself if it is a working
        day, else the next working day. Provisional is True when any year the count went
        through has no known schedule (weekends only). 0 <= n <= 365, else ValueError.
        """
        _check_day(start)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_DAYS:
            raise ValueError(f"n must be an integer between 0 and {MAX_DAYS}, got {n!r}")
        if n == 0:
            working, provisional = self.is_workday(start)
            if working:
                return start, provisional
            due, later = self.add_working_days(start, 1)
            return due, provisional or later
        table = self._year(start.year)
        target = table.counts[start.toordinal() - table.first + 1] + n  # a count within table's year
        provisional = False
        while True:
            provisional = provisional or table.provisional
            k = bisect.bisect_left(table.counts, target)
            if k < len(table.counts):  # counts[k] == target and counts[k-1] < target: day k-1 is it
                return date.fromordinal(table.first + k - 1), provisional
            target -= table.counts[-1]
            table = self._year(table.year + 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        _check_day(a)
        _check_day(b)
        if b < a:
            return -self.working_days_between(b, a)
        total = 0
        for year in range(a.year, b.year + 1):
            table = self._year(year)
            lo = a.toordinal() - table.first + 1 if year == a.year else 0  # first day counted
            hi = b.toordinal() - table.first + 1 if year == b.year else len(table.counts) - 1  # end
            total += table.counts[hi] - table.counts[lo]
        return total


# --- operator-loaded schedules ---------------------------------------------------------------

ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDate(fields.Date):
    """A date written exactly YYYY-MM-DD (fields.Date also takes 20270101 and ISO week dates)."""

    default_error_messages = {"invalid": "日期格式应为 YYYY-MM-DD", "null": "日期不能为空"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ISO_DATE_RE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _date_list() -> fields.List:
    return fields.List(IsoDate(), required=True,
                       validate=validate.Length(max=MAX_ENTRIES, error="最多{max}个日期"),
                       error_messages={**REQUIRED_MSG, "invalid": "应为日期列表"})


class ScheduleSchema(Schema):
    """An operator's schedule of one year: `ScheduleSchema(year=2027).load(body)`.

    Loads `holidays` and `workdays` as lists of datetime.date, and `note`.
    """

    error_messages = {"unknown": "不支持的字段", "type": "数据应为对象"}

    holidays = _date_list()
    workdays = _date_list()
    note = fields.String(load_default="", validate=validate.Length(max=200, error="备注不能超过{max}个字"))

    def __init__(self, *, year: int, **kwargs):
        super().__init__(**kwargs)
        self.year = year

    @validates_schema
    def _consistent(self, data, **kwargs):
        errors: dict = {}

        def add(field: str, index: int, message: str) -> None:
            errors.setdefault(field, {}).setdefault(index, []).append(message)

        holidays = set(data["holidays"])
        for field in ("holidays", "workdays"):
            seen: set[date] = set()
            for i, day in enumerate(data[field]):
                if day.year != self.year:
                    add(field, i, f"日期须在{self.year}年内")
                if day in seen:
                    add(field, i, "日期重复")
                seen.add(day)
                if field == "workdays":
                    if day.weekday() not in (SATURDAY, SUNDAY):
                        add(field, i, "调休上班日须为周六或周日")
                    if day in holidays:
                        add(field, i, "该日期已列为放假日，不能同时为调休上班日")
        if errors:
            raise ValidationError(errors)


class ScheduleOutSchema(Schema):
    year = fields.Integer(attribute="_id")
    holidays = fields.List(fields.String())
    workdays = fields.List(fields.String())
    note = fields.String()
    loaded_by = fields.String()
    loaded_at = fields.AwareDateTime()
    source = fields.Constant("operator")


def schedule_from_doc(doc: dict) -> YearSchedule:
    return YearSchedule(
        year=doc["_id"],
        holidays=frozenset(date.fromisoformat(d) for d in doc["holidays"]),
        workdays=frozenset(date.fromisoformat(d) for d in doc["workdays"]),
        source="operator",
    )


def _check_year(year) -> int:
    lo, hi = YEAR_RANGE
    if isinstance(year, bool) or not isinstance(year, int) or not lo <= year <= hi:
        raise Invalid({"year": [f"年份须在{lo}至{hi}之间"]})
    return year


async def load_year(db, year: int, data: dict, actor: dict) -> dict:
    """Store (or replace) the operator schedule of `year`; `data` is the request body. Returns the document."""
    _check_year(year)
    try:
        loaded = ScheduleSchema(year=year).load(data)
    except ValidationError as err:
        raise Invalid(flatten_errors(err.messages)) from None
    doc = {
        "_id": year,
        "holidays": sorted(d.isoformat() for d in set(loaded["holidays"])),
        "workdays": sorted(d.isoformat() for d in set(loaded["workdays"])),
        "loaded_by": actor["username"],
        "loaded_at": dt.datetime.now(dt.UTC),
        "note": loaded["note"],
    }
    await db.calendar_years.replace_one({"_id": year}, doc, upsert=True)
    return doc


async def delete_year(db, year: int) -> None:
    """Remove the operator schedule of `year` (the library's or weekends only apply again)."""
    result = await db.calendar_years.delete_one({"_id": year})
    if result.deleted_count == 0:
        raise NotFound("calendar.year_not_found", f"未载入{year}年的节假日安排")


async def list_years(db) -> list[dict]:
    """The operator-loaded years, oldest first (the library's coverage: `library_years()`)."""
    return await db.calendar_years.find({}).sort("_id", ASCENDING).to_list(None)


async def calendar(db) -> Calendar:
    """A Calendar with every operator-loaded year."""
    docs = await db.calendar_years.find({}).to_list(None)
    return Calendar({doc["_id"]: schedule_from_doc(doc) for doc in docs})
