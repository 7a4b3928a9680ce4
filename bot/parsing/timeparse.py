"""Times people type ("tomorrow 09:30", "in 2h", "monday 9am", "2026-12-01 14:00") and digest
schedules ("weekdays 09:00"), read in a timezone and returned as naive UTC like the rest of storage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_RELATIVE = re.compile(r"^in\s+(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)$")
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[ t](.+)$")
EXAMPLES = '"tomorrow 09:30", "in 2h", "monday 9am" or "2026-12-01 14:00"'
# How far ahead a publication may be scheduled: a year covers every plan we have heard of, and a
# bound keeps typed amounts ("in 99999999 days", year 9999) away from datetime's range.
HORIZON_DAYS = 365
_MINUTES_PER = {"m": 1, "h": 60, "d": 24 * 60}


class TimeParseError(ValueError):
    """The text is not a time we understand; the message says what to type instead."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeParseError(f"unknown timezone {name!r}; use an IANA name like Europe/Berlin") from None


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text.strip().lower())
    if not match:
        raise TimeParseError(f"{text!r} is not a time of day; write 09:30, 9am or 2:15pm")
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise TimeParseError(f"{text!r}: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise TimeParseError(f"{text!r} is not a time of day; hours 0-23, minutes 0-59")
    return time(hour, minute)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Naive UTC for a wall-clock time; refuses times skipped by a DST jump, takes the first of
    a repeated hour (fold=0) when clocks go back."""
    local = datetime.combine(day, at, tzinfo=tz)
    try:
        back = local.astimezone(timezone.utc).astimezone(tz)
    except OverflowError:  # 0001-01-01 or 9999-12-31 shifted past datetime's range
        raise TimeParseError(f"{day.isoformat()} is outside the calendar I can schedule on") from None
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise TimeParseError(
            f"{at:%H:%M} does not exist on {day.isoformat()} in {tz.key} (the clocks jump forward); pick another time"
        )
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc_naive: datetime, tz: ZoneInfo) -> datetime:
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(tz)


def too_far(text: str) -> TimeParseError:
    return TimeParseError(f"{text!r} is too far away (at most {HORIZON_DAYS} days ahead)")


def _relative(match: re.Match[str], now: datetime, text: str) -> datetime:
    digits, unit = match.group(1).lstrip("0") or "0", match.group(2)[0]
    # Compared before any timedelta is built: 10**20 days is a number, not a datetime.
    if len(digits) > 9 or int(digits) * _MINUTES_PER[unit] > HORIZON_DAYS * 24 * 60:
        raise too_far(text)
    return now + timedelta(minutes=int(digits) * _MINUTES_PER[unit])


def parse_when(text: str, *, now: datetime, tz: ZoneInfo | str) -> datetime:
    """A future moment, at most HORIZON_DAYS ahead, as naive UTC; `now` is naive UTC from the
    injected clock. Any other text raises TimeParseError saying what to type."""
    tz = zone(tz) if isinstance(tz, str) else tz
    cleaned = " ".join(re.sub(r"\bat\b", " ", text.strip().lower()).split())
    if not cleaned:
        raise TimeParseError(f"say when, e.g. {EXAMPLES}")
    relative, iso = _RELATIVE.match(cleaned), _ISO.match(cleaned)
    today = to_local(now, tz).date()
    if relative:
        result = _relative(relative, now, text)
    elif iso:
        try:
            day = date.fromisoformat(iso.group(1))
        except ValueError:
            raise TimeParseError(f"{iso.group(1)!r} is not a calendar date (YYYY-MM-DD)") from None
        if (day - today).days > HORIZON_DAYS:
            raise too_far(text)
        if (today - day).days > 1:
            raise TimeParseError(f"{text!r} is in the past")
        result = local_to_utc(day, parse_clock(iso.group(2)), tz)
    else:
        word, _, rest = cleaned.partition(" ")
        if word == "next" and rest:
            word, _, rest = rest.partition(" ")
        weekday = _weekday(word)
        if not rest or (word not in ("today", "tomorrow") and weekday is None):
            raise TimeParseError(f"I could not read {text!r} as a time; try {EXAMPLES}")
        at = parse_clock(rest)
        if word in ("today", "tomorrow"):
            result = local_to_utc(today + timedelta(days=word == "tomorrow"), at, tz)
        else:
            ahead = (weekday - today.weekday()) % 7
            result = local_to_utc(today + timedelta(days=ahead), at, tz)
            if result <= now:  # "monday 9am" said on a Monday at 10:00 means next week
                result = local_to_utc(today + timedelta(days=ahead + 7), at, tz)
    if result <= now:
        raise TimeParseError(f"{text!r} is in the past ({to_local(result, tz):%Y-%m-%d %H:%M %Z})")
    if result - now > timedelta(days=HORIZON_DAYS):
        raise too_far(text)
    return result


def _weekday(word: str) -> int | None:
    for index, name in enumerate(DAYS):
        if len(word) >= 3 and name.startswith(word):
            return index
    return None


@dataclass(frozen=True)
class Schedule:
    """Which local weekdays (0 = Monday) and at what local time; no days means switched off."""

    days: frozenset[int]
    at: time

    def due_date(self, now: datetime, tz: ZoneInfo) -> date | None:
        """The local date whose run is due at `now` (naive UTC), or None before the time / off days.
        A time skipped by a DST jump fires at the first moment after it."""
        local = to_local(now, tz)
        if local.weekday() in self.days and local.time().replace(tzinfo=None) >= self.at:
            return local.date()
        return None


def parse_schedule(text: str) -> Schedule:
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in ("off", "never", "none"):
        return Schedule(frozenset(), time(0))
    days_text, _, at_text = cleaned.rpartition(" ")
    if days_text in ("daily", "every day", "everyday"):
        days = frozenset(range(7))
    elif days_text in ("weekdays", "workdays"):
        days = frozenset(range(5))
    else:
        found = [_weekday(part.strip()) for part in days_text.split(",")]
        if not days_text or None in found:
            raise TimeParseError(f'{text!r}: write e.g. "weekdays 09:00", "daily 8am", "mon,thu 14:30" or "off"')
        days = frozenset(d for d in found if d is not None)
    return Schedule(days, parse_clock(at_text))
