"""Working days: the library's official schedules, operator-loaded years, and the weekends-only fallback.

Dates asserted here are the official schedules as chinese-calendar 1.11.0 records them (its data
ends with 2026). Schedules for 2027 below are test fixtures, not the official 2027 schedule.
"""

import datetime as dt
import time
from datetime import date

import chinese_calendar
import pytest
from chinese_calendar import constants as cc

from models.errors import Invalid, NotFound
from models.workdays import (
    Calendar,
    ScheduleOutSchema,
    YearSchedule,
    business_date,
    calendar,
    delete_year,
    library_schedule,
    library_years,
    list_years,
    load_year,
)

ACTOR = {"username": "ops1", "role": "operator"}
# A made-up 2027 schedule: New Year's Day off, Saturday 2027-01-09 a make-up working day.
FIXTURE_2027 = {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"], "note": "测试数据，非官方安排"}


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- the library -------------------------------------------------------------------------------


def test_library_covers_2004_to_2026_and_raises_beyond():
    # If this fails after upgrading chinese-calendar, the 2027 tests below need a later year.
    assert library_years() == (2004, 2026)
    assert chinese_calendar.is_workday(d("2026-12-31")) is True
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(d("2027-01-04"))
    assert library_schedule(2027) is None and library_schedule(2003) is None
    assert library_schedule(2026).source == "official"


def test_agrees_with_the_library_on_every_covered_day():
    cal = Calendar()
    first, last = library_years()
    day, end = date(first, 1, 1), date(last, 12, 31)
    while day <= end:
        assert cal.is_workday(day) == (chinese_calendar.is_workday(day), False), day
        day += dt.timedelta(days=1)


def test_national_day_2025():
    cal = Calendar()
    # Oct 1-8 off; Sunday Sep 28 and Saturday Oct 11 are make-up working days.
    assert cal.is_workday(d("2025-09-28")) == (True, False)
    assert cal.is_workday(d("2025-10-04")) == (False, False)
    assert cal.is_workday(d("2025-10-08")) == (False, False)
    assert cal.is_workday(d("2025-10-11")) == (True, False)
    assert cal.add_working_days(d("2025-09-30"), 1) == (d("2025-10-09"), False)
    assert cal.add_working_days(d("2025-09-30"), 2) == (d("2025-10-10"), False)
    assert cal.add_working_days(d("2025-09-30"), 3) == (d("2025-10-11"), False)
    assert cal.add_working_days(d("2025-09-30"), 4) == (d("2025-10-13"), False)
    assert cal.add_working_days(d("2025-09-27"), 1) == (d("2025-09-28"), False)  # Saturday -> make-up Sunday
    assert cal.add_working_days(d("2025-09-26"), 4) == (d("2025-10-09"), False)
    # (Sep 26, Oct 12]: Sep 28, 29, 30, Oct 9, 10, 11.
    assert cal.working_days_between(d("2025-09-26"), d("2025-10-12")) == 6
    assert cal.working_days_between(d("2025-10-12"), d("2025-09-26")) == -6
    assert cal.working_days_between(d("2025-09-30"), d("2025-10-08")) == 0
    assert cal.working_days_between(d("2025-09-30"), d("2025-10-09")) == 1
    assert cal.working_days_between(d("2025-10-09"), d("2025-10-09")) == 0


def test_spring_festival_2026_from_the_library():
    assert sorted(x for x in cc.holidays if (x.year, x.month) == (2026, 2)) == [date(2026, 2, n) for n in range(15, 24)]
    assert sorted(x for x in cc.workdays if (x.year, x.month) == (2026, 2)) == [d("2026-02-14"), d("2026-02-28")]
    cal = Calendar()
    assert cal.add_working_days(d("2026-02-13"), 1) == (d("2026-02-14"), False)  # make-up Saturday
    assert cal.add_working_days(d("2026-02-13"), 2) == (d("2026-02-24"), False)
    assert cal.add_working_days(d("2026-02-14"), 1) == (d("2026-02-24"), False)
    assert cal.add_working_days(d("2026-02-15"), 5) == (d("2026-02-28"), False)  # Feb 24-27, then Saturday Feb 28
    # (Feb 13, Feb 28]: Feb 14, 24, 25, 26, 27, 28.
    assert cal.working_days_between(d("2026-02-13"), d("2026-02-28")) == 6


def test_mid_autumn_and_national_day_2026_from_the_library():
    autumn = sorted(x for x in cc.holidays if x.year == 2026 and x.month in (9, 10))
    assert autumn == [d("2026-09-25"), d("2026-09-26"), d("2026-09-27")] + [date(2026, 10, n) for n in range(1, 8)]
    assert sorted(x for x in cc.workdays if x.year == 2026 and x.month in (9, 10)) == [d("2026-09-20"), d("2026-10-10")]
    cal = Calendar()
    assert cal.add_working_days(d("2026-09-18"), 1) == (d("2026-09-20"), False)  # make-up Sunday
    assert cal.add_working_days(d("2026-09-24"), 1) == (d("2026-09-28"), False)
    assert cal.add_working_days(d("2026-09-30"), 1) == (d("2026-10-08"), False)
    assert cal.add_working_days(d("2026-09-30"), 3) == (d("2026-10-10"), False)  # make-up Saturday
    assert cal.add_working_days(d("2026-09-30"), 4) == (d("2026-10-12"), False)
    # (Sep 19, Oct 10]: Sep 20, 21-24, 28-30, Oct 8, 9, 10.
    assert cal.working_days_between(d("2026-09-19"), d("2026-10-10")) == 11


def test_zero_days_is_the_same_working_day():
    cal = Calendar()
    assert cal.add_working_days(d("2025-10-09"), 0) == (d("2025-10-09"), False)
    assert cal.add_working_days(d("2025-09-28"), 0) == (d("2025-09-28"), False)  # make-up Sunday
    assert cal.add_working_days(d("2025-10-01"), 0) == (d("2025-10-09"), False)  # holiday: next working day
    assert cal.add_working_days(d("2025-09-27"), 0) == (d("2025-09-28"), False)  # plain Saturday
    assert cal.add_working_days(d("2027-01-04"), 0) == (d("2027-01-04"), True)


@pytest.mark.parametrize("n", [-1, 366, 1.5, True, "3", None])
def test_bad_counts_are_rejected(n):
    with pytest.raises(ValueError):
        Calendar().add_working_days(d("2025-10-09"), n)


def test_a_datetime_is_not_taken_for_a_date():
    moment = dt.datetime(2025, 9, 30, 20, 0, tzinfo=dt.UTC)
    with pytest.raises(TypeError):
        Calendar().add_working_days(moment, 1)
    with pytest.raises(TypeError):
        Calendar().is_workday(moment)
    assert Calendar().add_working_days(business_date(moment), 0) == (d("2025-10-09"), False)


def test_every_due_date_is_n_working_days_later():
    cal = Calendar({2027: YearSchedule(2027, frozenset({d("2027-01-01")}), frozenset({d("2027-01-09")}), "operator")})
    start = d("2025-01-01")
    for offset in range(0, 730, 7):
        day = start + dt.timedelta(days=offset)
        for n in (1, 5, 20, 60):
            due, _ = cal.add_working_days(day, n)
            assert cal.is_workday(due)[0]
            assert cal.working_days_between(day, due) == n
            assert cal.working_days_between(day, due - dt.timedelta(days=1)) == n - 1


# --- beyond the library ------------------------------------------------------------------------


def test_into_2027_without_a_schedule_is_weekends_only_and_provisional():
    cal = Calendar()
    assert cal.is_workday(d("2027-01-01")) == (True, True)  # a Friday; no holiday known
    assert cal.is_workday(d("2027-01-09")) == (False, True)
    # Dec 21-25, 28-31 (9 in 2026), then Jan 1, 4-8 2027.
    assert cal.add_working_days(d("2026-12-20"), 15) == (d("2027-01-08"), True)
    assert cal.add_working_days(d("2026-12-31"), 1) == (d("2027-01-01"), True)
    # Counts that stay within 2026 are not provisional.
    assert cal.add_working_days(d("2026-12-01"), 5) == (d("2026-12-08"), False)
    assert cal.add_working_days(d("2026-12-30"), 1) == (d("2026-12-31"), False)
    assert cal.add_working_days(d("2026-12-31"), 0) == (d("2026-12-31"), False)
    assert cal.working_days_between(d("2026-12-20"), d("2027-01-08")) == 15
    assert cal.add_working_days(d("2026-12-31"), 365)[1] is True


def test_an_operator_schedule_for_2027_is_honoured():
    schedule = YearSchedule(2027, frozenset({d("2027-01-01")}), frozenset({d("2027-01-09")}), "operator")
    cal = Calendar({2027: schedule})
    assert cal.is_workday(d("2027-01-01")) == (False, False)
    assert cal.is_workday(d("2027-01-09")) == (True, False)
    assert cal.add_working_days(d("2026-12-20"), 15) == (d("2027-01-09"), False)
    assert cal.add_working_days(d("2026-12-31"), 1) == (d("2027-01-04"), False)
    assert cal.working_days_between(d("2026-12-20"), d("2027-01-09")) == 15
    assert cal.schedule(2027) is schedule
    assert cal.schedule(2028) is None
    # 2028 is still unknown: a count reaching it is provisional again.
    assert cal.add_working_days(d("2027-12-30"), 2) == (d("2028-01-03"), True)


def test_an_operator_schedule_replaces_a_library_year():
    official = library_schedule(2025)
    # A made-up late change: Oct 9 2025 declared a holiday too.
    changed = YearSchedule(2025, official.holidays | {d("2025-10-09")}, official.workdays, "operator")
    cal = Calendar({2025: changed})
    assert cal.add_working_days(d("2025-09-30"), 1) == (d("2025-10-10"), False)
    assert cal.is_workday(d("2025-10-09")) == (False, False)
    assert Calendar().is_workday(d("2025-10-09")) == (True, False)  # other calendars are unaffected
    # The operator's year is the whole schedule: library days not listed in it no longer apply.
    bare = Calendar({2025: YearSchedule(2025, frozenset(), frozenset(), "operator")})
    assert bare.add_working_days(d("2025-09-30"), 1) == (d("2025-10-01"), False)
    assert bare.is_workday(d("2025-09-28")) == (False, False)


def test_calendar_rejects_a_schedule_under_the_wrong_year():
    with pytest.raises(ValueError):
        Calendar({2027: YearSchedule(2028, frozenset(), frozenset(), "operator")})


# --- business date -----------------------------------------------------------------------------


def test_business_date_is_beijing_time():
    assert business_date(dt.datetime(2025, 9, 30, 15, 59, tzinfo=dt.UTC)) == d("2025-09-30")
    assert business_date(dt.datetime(2025, 9, 30, 16, 0, tzinfo=dt.UTC)) == d("2025-10-01")
    assert business_date(dt.datetime(2025, 9, 30, 23, 30, tzinfo=dt.UTC)) == d("2025-10-01")
    assert business_date(dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)) == d("2026-01-01")
    east8 = dt.timezone(dt.timedelta(hours=8))
    assert business_date(dt.datetime(2025, 10, 1, 0, 30, tzinfo=east8)) == d("2025-10-01")
    with pytest.raises(ValueError):
        business_date(dt.datetime(2025, 9, 30, 16, 0))


# --- schedule validation -----------------------------------------------------------------------


async def details_of(database, body: dict, year: int = 2027) -> dict:
    with pytest.raises(Invalid) as err:
        await load_year(database, year, body, ACTOR)
    assert err.value.status == 422
    return err.value.details


async def test_dates_must_lie_in_the_year(database):
    body = {"holidays": ["2027-01-01", "2026-12-31"], "workdays": ["2028-01-01"]}
    assert await details_of(database, body) == {
        "holidays[1]": ["日期须在2027年内"], "workdays[0]": ["日期须在2027年内"]}


async def test_make_up_days_must_be_weekends(database):
    body = {"holidays": ["2027-01-01"], "workdays": ["2027-01-09", "2027-01-04"]}  # Saturday, Monday
    assert await details_of(database, body) == {"workdays[1]": ["调休上班日须为周六或周日"]}


async def test_a_day_cannot_be_both_or_twice(database):
    body = {"holidays": ["2027-01-01", "2027-01-02", "2027-01-01"], "workdays": ["2027-01-02"]}
    assert await details_of(database, body) == {
        "holidays[2]": ["日期重复"], "workdays[0]": ["该日期已列为放假日，不能同时为调休上班日"]}


async def test_bad_date_strings(database):
    body = {"holidays": ["2027-1-1", "20270101", "2027-02-30", "2027-W01-1", 20270101, None, " 2027-01-01"],
            "workdays": "2027-01-09"}
    assert await details_of(database, body) == {
        **{f"holidays[{i}]": ["日期格式应为 YYYY-MM-DD"] for i in (0, 1, 2, 3, 4, 6)},
        "holidays[5]": ["日期不能为空"], "workdays": ["应为日期列表"]}


async def test_too_many_entries(database):
    days = [(date(2027, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(61)]
    assert await details_of(database, {"holidays": days, "workdays": []}) == {"holidays": ["最多60个日期"]}
    doc = await load_year(database, 2027, {"holidays": days[:60], "workdays": []}, ACTOR)
    assert len(doc["holidays"]) == 60


async def test_missing_and_unknown_fields_and_year_range(database):
    assert await details_of(database, {"holidays": [], "extra": 1}) == {
        "workdays": ["此项为必填项"], "extra": ["不支持的字段"]}
    assert await details_of(database, FIXTURE_2027, year=1999) == {"year": ["年份须在2000至2100之间"]}
    assert await details_of(database, FIXTURE_2027, year=2101) == {"year": ["年份须在2000至2100之间"]}
    assert await list_years(database) == []


# --- storage -----------------------------------------------------------------------------------


async def test_storage_round_trip(database):
    cal = await calendar(database)
    assert cal.add_working_days(d("2026-12-20"), 15) == (d("2027-01-08"), True)

    doc = await load_year(database, 2027, FIXTURE_2027, ACTOR)
    assert doc["_id"] == 2027 and doc["holidays"] == ["2027-01-01"] and doc["workdays"] == ["2027-01-09"]
    cal = await calendar(database)
    assert cal.add_working_days(d("2026-12-20"), 15) == (d("2027-01-09"), False)
    assert cal.add_working_days(d("2026-12-31"), 1) == (d("2027-01-04"), False)

    stored = await list_years(database)
    out = ScheduleOutSchema(many=True).dump(stored)
    assert [{k: v for k, v in o.items() if k != "loaded_at"} for o in out] == [{
        "year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-09"], "note": "测试数据，非官方安排",
        "loaded_by": "ops1", "source": "operator"}]
    assert dt.datetime.fromisoformat(out[0]["loaded_at"]).utcoffset() is not None

    # Loading again replaces the year (sorted, one entry per day).
    await load_year(database, 2027, {"holidays": ["2027-01-02", "2027-01-01"], "workdays": []}, ACTOR)
    [doc] = await list_years(database)
    assert doc["holidays"] == ["2027-01-01", "2027-01-02"] and doc["workdays"] == [] and doc["note"] == ""
    cal = await calendar(database)
    assert cal.add_working_days(d("2026-12-31"), 1) == (d("2027-01-04"), False)
    assert cal.is_workday(d("2027-01-09")) == (False, False)

    await delete_year(database, 2027)
    assert await list_years(database) == []
    assert (await calendar(database)).add_working_days(d("2026-12-31"), 1) == (d("2027-01-01"), True)
    with pytest.raises(NotFound):
        await delete_year(database, 2027)


async def test_stored_override_of_a_library_year_wins(database):
    official = library_schedule(2025)
    body = {"holidays": sorted(x.isoformat() for x in official.holidays | {d("2025-10-09")}),
            "workdays": sorted(x.isoformat() for x in official.workdays), "note": "模拟临时调整"}
    await load_year(database, 2025, body, ACTOR)
    await load_year(database, 2027, FIXTURE_2027, ACTOR)
    assert [doc["_id"] for doc in await list_years(database)] == [2025, 2027]
    cal = await calendar(database)
    assert cal.add_working_days(d("2025-09-30"), 1) == (d("2025-10-10"), False)
    assert cal.schedule(2025).source == "operator" and cal.schedule(2026).source == "official"


# --- speed -------------------------------------------------------------------------------------


def test_ten_thousand_due_dates_are_fast():
    cal = Calendar()
    starts = [d("2025-01-01") + dt.timedelta(days=i % 720) for i in range(10_000)]  # some reach 2027
    began = time.perf_counter()
    results = [cal.add_working_days(s, 20) for s in starts]
    elapsed = time.perf_counter() - began
    assert any(p for _, p in results) and not all(p for _, p in results)
    assert elapsed < 2.0, f"10,000 due dates took {elapsed:.2f}s"
