"""The one clock. Times are stored and compared in UTC (aware datetimes); the Beijing (UTC+8)
date is the business day: deadlines, daily counts, `today` in forms."""

import datetime as dt

# China has kept one fixed offset (no daylight saving time) since 1991.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now_ms() -> dt.datetime:
    """Now to the millisecond, as MongoDB keeps it: an answer built from it matches a later read."""
    at = now()
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def beijing_now() -> dt.datetime:
    return now().astimezone(BEIJING)


def business_date(moment: dt.datetime | None = None) -> dt.date:
    """The Beijing date of an aware datetime (default: now): 2025-01-01 16:00 UTC is 2025-01-02."""
    if moment is None:
        moment = now()
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise ValueError("business_date needs a timezone-aware datetime")
    return moment.astimezone(BEIJING).date()


# The days a query may name (a year 1 or 9999 would overflow the bounds below)
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def days_bounds(first: dt.date | None, last: dt.date | None) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds [start, end) of Beijing days first..last (a missing end: open on that side)."""
    first, last = first or FIRST_DAY, last or LAST_DAY
    start = dt.datetime.combine(first, dt.time(), BEIJING).astimezone(dt.UTC)
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BEIJING).astimezone(dt.UTC)
