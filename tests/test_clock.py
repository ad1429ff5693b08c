import datetime as dt

import pytest

from models import clock


def test_now_is_utc_and_now_ms_what_mongodb_keeps():
    assert clock.now().tzinfo is dt.UTC
    assert clock.now_ms().microsecond % 1000 == 0 and clock.now_ms().tzinfo is dt.UTC
    assert clock.beijing_now().utcoffset() == dt.timedelta(hours=8)


def test_business_date_is_the_beijing_date():
    assert clock.business_date(dt.datetime(2025, 1, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2025, 1, 1)
    assert clock.business_date(dt.datetime(2025, 1, 1, 16, 0, tzinfo=dt.UTC)) == dt.date(2025, 1, 2)
    assert isinstance(clock.business_date(), dt.date)
    with pytest.raises(ValueError):
        clock.business_date(dt.datetime(2025, 1, 1, 16, 0))  # naive: whose 16:00?
