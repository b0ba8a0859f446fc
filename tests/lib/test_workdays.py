"""Working-day arithmetic over a calendar of exceptions (pure; the exceptions are passed in)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from huitian.lib.workdays import add_working_days, is_workday, working_days_between

BJ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")

# The 2026 State Council calendar around National Day, as the database holds it: weekday holidays
# and weekend make-up working days only.
EXCEPTIONS = {
    date(2026, 9, 20): True,  # Sunday, make-up working day
    date(2026, 9, 25): False,  # Mid-autumn (Friday)
    date(2026, 10, 1): False,
    date(2026, 10, 2): False,
    date(2026, 10, 5): False,
    date(2026, 10, 6): False,
    date(2026, 10, 7): False,
    date(2026, 10, 10): True,  # Saturday, make-up working day
}


def end_of(d: date) -> datetime:
    return datetime.combine(d, time(23, 59, 59), tzinfo=BJ)


def test_weekdays_work_and_weekends_rest_without_exceptions():
    assert is_workday(date(2026, 10, 12), {}) is True
    assert is_workday(date(2026, 10, 11), {}) is False


def test_an_exception_overrides_the_weekday_rule_both_ways():
    assert is_workday(date(2026, 10, 1), EXCEPTIONS) is False
    assert is_workday(date(2026, 10, 10), EXCEPTIONS) is True
    assert is_workday(date(2026, 9, 20), EXCEPTIONS) is True


def test_counting_starts_on_the_day_after_receipt():
    assert add_working_days(datetime(2026, 10, 12, 9, tzinfo=BJ), 1, {}, BJ) == end_of(date(2026, 10, 13))


def test_friday_plus_one_is_monday_without_exceptions():
    assert add_working_days(datetime(2026, 10, 16, 9, tzinfo=BJ), 1, {}, BJ) == end_of(date(2026, 10, 19))


def test_friday_plus_one_is_the_sunday_make_up_day():
    assert add_working_days(datetime(2026, 9, 18, 9, tzinfo=BJ), 1, EXCEPTIONS, BJ) == end_of(
        date(2026, 9, 20)
    )


def test_the_national_day_week_is_skipped_and_the_saturday_make_up_day_counted():
    start = datetime(2026, 9, 30, 9, tzinfo=BJ)
    assert add_working_days(start, 1, EXCEPTIONS, BJ) == end_of(date(2026, 10, 8))
    assert add_working_days(start, 3, EXCEPTIONS, BJ) == end_of(date(2026, 10, 10))
    assert add_working_days(start, 4, EXCEPTIONS, BJ) == end_of(date(2026, 10, 12))


def test_the_local_date_of_a_utc_instant_is_what_counts():
    # 17:00 UTC on Sep 30 is 01:00 on Oct 1 in Beijing: counting starts after Oct 1
    start = datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert add_working_days(start, 1, EXCEPTIONS, BJ) == end_of(date(2026, 10, 8))
    start = datetime(2026, 9, 29, 15, tzinfo=UTC)  # 23:00 Sep 29 in Beijing
    assert add_working_days(start, 1, EXCEPTIONS, BJ) == end_of(date(2026, 9, 30))


def test_zero_working_days_is_the_start_itself():
    start = datetime(2026, 10, 3, 9, tzinfo=BJ)
    assert add_working_days(start, 0, EXCEPTIONS, BJ) == start


def test_working_days_between_counts_the_half_open_interval():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12), EXCEPTIONS) == 4  # 8, 9, 10, 12
    assert working_days_between(date(2026, 10, 12), date(2026, 10, 12), EXCEPTIONS) == 0
    assert working_days_between(date(2026, 10, 9), date(2026, 10, 11), {}) == 0
