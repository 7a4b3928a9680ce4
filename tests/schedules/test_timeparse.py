"""Times people type, read in a timezone, returned as naive UTC; DST jumps handled explicitly."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from bot.parsing.timeparse import TimeParseError, parse_clock, parse_schedule, parse_when, zone

BERLIN, NEW_YORK = zone("Europe/Berlin"), zone("America/New_York")


def test_tomorrow_in_berlin_uses_the_summer_offset_when_clocks_change_overnight() -> None:
    saturday_noon = datetime(2026, 3, 28, 12, 0)  # CET (UTC+1); Sunday is CEST (UTC+2)
    assert parse_when("tomorrow 09:30", now=saturday_noon, tz=BERLIN) == datetime(2026, 3, 29, 7, 30)


def test_tomorrow_in_new_york_uses_daylight_time_after_the_march_change() -> None:
    saturday = datetime(2026, 3, 7, 15, 0)  # EST (UTC-5); Sunday 8 March is EDT (UTC-4)
    assert parse_when("tomorrow 9:30am", now=saturday, tz=NEW_YORK) == datetime(2026, 3, 8, 13, 30)


def test_a_time_skipped_by_spring_forward_is_refused_with_a_reason() -> None:
    with pytest.raises(TimeParseError, match="does not exist on 2026-03-29 in Europe/Berlin"):
        parse_when("2026-03-29 02:30", now=datetime(2026, 3, 1), tz=BERLIN)


def test_a_repeated_hour_in_autumn_means_its_first_occurrence() -> None:
    # 02:30 happens twice on 25 October in Berlin; the first is still summer time (UTC+2).
    assert parse_when("2026-10-25 02:30", now=datetime(2026, 10, 1), tz=BERLIN) == datetime(2026, 10, 25, 0, 30)


def test_an_iso_date_in_new_york_winter_is_five_hours_behind_utc() -> None:
    assert parse_when("2026-12-01 14:00", now=datetime(2026, 11, 1), tz="America/New_York") == datetime(
        2026, 12, 1, 19, 0
    )


def test_relative_times_are_plain_durations_from_now() -> None:
    now = datetime(2026, 3, 29, 0, 30)  # across Berlin's jump: a duration is still a duration
    assert parse_when("in 2h", now=now, tz=BERLIN) == datetime(2026, 3, 29, 2, 30)
    assert parse_when("in 90 minutes", now=now, tz=BERLIN) == datetime(2026, 3, 29, 2, 0)
    assert parse_when("in 1 day", now=now, tz=BERLIN) == datetime(2026, 3, 30, 0, 30)


def test_a_weekday_said_on_that_day_after_the_time_means_next_week() -> None:
    monday_10_berlin = datetime(2026, 3, 2, 9, 0)
    assert parse_when("monday 9am", now=monday_10_berlin, tz=BERLIN) == datetime(2026, 3, 9, 8, 0)
    assert parse_when("at monday 11:00", now=monday_10_berlin, tz=BERLIN) == datetime(2026, 3, 2, 10, 0)


def test_saturday_is_not_mangled_by_the_word_at() -> None:
    assert parse_when("sat 10am", now=datetime(2026, 3, 2), tz="UTC") == datetime(2026, 3, 7, 10, 0)
    assert parse_when("next saturday 10am", now=datetime(2026, 3, 2), tz="UTC") == datetime(2026, 3, 7, 10, 0)


def test_twelve_am_and_pm_are_midnight_and_noon() -> None:
    assert parse_clock("12am") == time(0, 0) and parse_clock("12pm") == time(12, 0)
    assert parse_clock("9:15pm") == time(21, 15) and parse_clock("07:05") == time(7, 5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "say when"),
        ("someday soon", "could not read 'someday soon'"),
        ("tomorrow 25:00", "hours 0-23"),
        ("tomorrow 13pm", "the hour is 1 to 12"),
        ("2026-02-30 10:00", "'2026-02-30' is not a calendar date"),
        ("2020-01-01 10:00", "is in the past"),
        ("today 08:00", "is in the past"),
    ],
)
def test_unreadable_or_past_times_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(TimeParseError, match=message):
        parse_when(text, now=datetime(2026, 3, 2, 9, 0), tz="UTC")


def test_an_unknown_timezone_is_named_in_the_error() -> None:
    with pytest.raises(TimeParseError, match="unknown timezone 'Mars/Olympus'"):
        parse_when("tomorrow 9am", now=datetime(2026, 3, 2), tz="Mars/Olympus")


def test_weekday_schedule_is_due_from_nine_berlin_time_on_weekdays_only() -> None:
    schedule = parse_schedule("weekdays 09:00")
    assert schedule.due_date(datetime(2026, 3, 2, 7, 59), BERLIN) is None  # 08:59 CET
    assert schedule.due_date(datetime(2026, 3, 2, 8, 0), BERLIN) == date(2026, 3, 2)
    assert schedule.due_date(datetime(2026, 3, 7, 12, 0), BERLIN) is None  # Saturday
    # After the spring change nine o'clock is an hour earlier in UTC.
    assert schedule.due_date(datetime(2026, 3, 30, 7, 0), BERLIN) == date(2026, 3, 30)
    assert schedule.due_date(datetime(2026, 3, 30, 6, 59), BERLIN) is None


def test_a_schedule_inside_the_skipped_hour_fires_right_after_the_jump() -> None:
    schedule = parse_schedule("daily 02:30")
    assert schedule.due_date(datetime(2026, 3, 29, 0, 59), BERLIN) is None  # 01:59 CET
    assert schedule.due_date(datetime(2026, 3, 29, 1, 0), BERLIN) == date(2026, 3, 29)  # 03:00 CEST


def test_schedules_read_days_lists_and_off() -> None:
    assert parse_schedule("mon,thu 14:30").days == frozenset({0, 3})
    assert parse_schedule("daily 8am").at == time(8, 0)
    assert parse_schedule("off").due_date(datetime(2026, 3, 2, 12), BERLIN) is None
    with pytest.raises(TimeParseError, match="weekdays 09:00"):
        parse_schedule("fortnightly 9am")
