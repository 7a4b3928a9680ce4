"""Every parser that reads what a person typed returns a value or raises its own documented error,
for any text: `/draft` options and times, `/signoff` subcommands and ids, schedules, modal values."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.listeners.signoff_command import split_subcommand
from bot.parsing.draft_ids import MAX_ID, parse_draft_id
from bot.parsing.draft_options import DraftRequest, parse_draft_text
from bot.parsing.timeparse import HORIZON_DAYS, Schedule, TimeParseError, parse_schedule, parse_when, zone
from tests.bot.strategies import SLACK_TEXT_LIMIT, free_text, time_text

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata")
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
zones = st.sampled_from(ZONES)
EXAMPLES = settings(max_examples=150, deadline=None)


@EXAMPLES
@given(text=st.one_of(time_text(), free_text()), now=moments, tz=zones)
def test_parse_when_gives_a_moment_within_the_horizon_or_a_time_parse_error(text: str, now: datetime, tz: str) -> None:
    try:
        when = parse_when(text, now=now, tz=tz)
    except TimeParseError as exc:
        assert str(exc)
        return
    assert now < when <= now + timedelta(days=HORIZON_DAYS)


@pytest.mark.parametrize(
    "text",
    [
        "in 99999999 days",
        "in 999999999999999999999 minutes",
        "in 366 days",
        "in 8785 hours",
        "9999-12-31 23:59",
        "2027-06-01 09:00",
        "in " + "9" * 5000 + " d",
    ],
)
@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_times_beyond_the_horizon_are_refused_naming_it(text: str, tz: str) -> None:
    with pytest.raises(TimeParseError, match=f"too far away \\(at most {HORIZON_DAYS} days ahead\\)"):
        parse_when(text, now=datetime(2026, 3, 2, 9, 0), tz=tz)


@pytest.mark.parametrize("text", ["0001-01-01 00:00", "1999-12-31 23:59"])
@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_dates_at_the_start_of_the_calendar_are_in_the_past(text: str, tz: str) -> None:
    with pytest.raises(TimeParseError, match="in the past"):
        parse_when(text, now=datetime(2026, 3, 2, 9, 0), tz=tz)


def test_the_last_day_of_the_horizon_is_still_accepted() -> None:
    now = datetime(2026, 3, 2, 9, 0)
    assert parse_when(f"in {HORIZON_DAYS} days", now=now, tz="UTC") == now + timedelta(days=HORIZON_DAYS)
    assert parse_when("in 0000000000000002 h", now=now, tz="UTC") == now + timedelta(hours=2)


@EXAMPLES
@given(text=free_text(SLACK_TEXT_LIMIT), at=time_text(), now=moments, tz=zones)
def test_parse_draft_text_answers_any_text_with_a_request_or_a_problem(
    text: str, at: str, now: datetime, tz: str
) -> None:
    for typed in (text, f'{text} --at "{at}"', f"{text} --to {at}"):
        request = parse_draft_text(typed, allowed=("dryrun", "x"), now=now, tz=tz)
        assert isinstance(request, DraftRequest) and isinstance(request.topic, str)
        if request.problem is None and request.publish_at is not None:
            assert now < request.publish_at <= now + timedelta(days=HORIZON_DAYS)


def test_a_far_away_at_option_is_a_problem_naming_the_horizon() -> None:
    request = parse_draft_text(
        'launch --at "in 99999999 days"', allowed=("dryrun",), now=datetime(2026, 3, 2), tz="UTC"
    )
    assert request.topic == "launch" and f"at most {HORIZON_DAYS} days ahead" in (request.problem or "")


def test_problems_do_not_echo_mentions_or_links_as_markup() -> None:
    request = parse_draft_text(
        'x --at "<!channel> <http://evil|ok>"', allowed=("dryrun",), now=datetime(2026, 3, 2), tz="UTC"
    )
    assert request.problem and "<!channel>" not in request.problem and "&lt;!channel&gt;" in request.problem
    request = parse_draft_text("x --to <!here>", allowed=("dryrun",), now=datetime(2026, 3, 2), tz="UTC")
    assert request.problem and "<!here>" not in request.problem


@EXAMPLES
@given(
    text=st.one_of(
        free_text(),
        st.builds(
            "{} {}".format,
            st.sampled_from(["daily", "weekdays", "mon,thu", "every day", "sun", "mon,,", "off"]),
            st.one_of(time_text(), free_text(20)),
        ),
    )
)
def test_parse_schedule_gives_a_schedule_or_a_time_parse_error(text: str) -> None:
    try:
        schedule = parse_schedule(text)
    except TimeParseError as exc:
        assert str(exc)
        return
    assert isinstance(schedule, Schedule) and schedule.days <= frozenset(range(7))


def test_signoff_words_are_separated_by_any_space_and_grouped_by_balanced_quotes() -> None:
    assert split_subcommand("Status\u00a012") == ("status", ["12"])
    assert split_subcommand('search "release notes" payload') == ("search", ["release notes", "payload"])
    assert split_subcommand("search don't") == ("search", ["don't"])


@EXAMPLES
@given(text=free_text(SLACK_TEXT_LIMIT))
def test_signoff_text_always_splits_into_a_subcommand_and_words(text: str) -> None:
    sub, args = split_subcommand(text)
    assert isinstance(sub, str) and sub == sub.lower() and all(isinstance(a, str) for a in args)
    if not text.split():
        assert (sub, args) == ("help", [])


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("12", 12),
        ("#12", 12),
        (str(MAX_ID), MAX_ID),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("1_000", None),
        ("+12", None),
        (" 12", None),
        ("12\n", None),
        ("0", None),
        (str(MAX_ID + 1), None),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("##12", None),
    ],
)
def test_only_ascii_digits_in_the_database_range_are_draft_ids(typed: str, expected: int | None) -> None:
    assert parse_draft_id(typed) == expected


@EXAMPLES
@given(text=st.one_of(free_text(60), st.integers().map(str), st.integers().map("#{}".format)))
def test_parse_draft_id_never_raises_and_reads_only_plain_numbers(text: str) -> None:
    draft_id = parse_draft_id(text)
    digits = text.removeprefix("#")
    if draft_id is None:
        assert not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= MAX_ID)
    else:
        assert digits.isascii() and digits.isdigit() and int(digits) == draft_id and 1 <= draft_id <= MAX_ID


def test_zones_used_here_exist() -> None:
    assert all(zone(name) for name in ZONES)
