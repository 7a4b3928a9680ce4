"""Numbers as people write them: digits, words, units, percentages, multipliers and versions.

Each is reduced to a value in a base unit, so "900 ms" and "0.9 seconds", "three times" and "3×",
"40 percent" and "40%" compare equal, while "3.14" and "3.14.1" (versions) never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# unit as written (lowercased) → (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, Decimal]] = {}
for _names, _dimension, _factor in (
    ("ns nanosecond nanoseconds", "time", "1e-9"),
    ("µs us microsecond microseconds", "time", "1e-6"),
    ("ms msec millisecond milliseconds", "time", "1e-3"),
    ("s sec secs second seconds", "time", "1"),
    ("min mins minute minutes", "time", "60"),
    ("h hr hrs hour hours", "time", "3600"),
    ("day days", "time", "86400"),
    ("week weeks", "time", "604800"),
    ("month months", "months", "1"),
    ("year years yr yrs", "years", "1"),
    ("b byte bytes", "bytes", "1"),
    ("kb kilobyte kilobytes", "bytes", "1e3"),
    ("mb megabyte megabytes", "bytes", "1e6"),
    ("gb gigabyte gigabytes", "bytes", "1e9"),
    ("tb terabyte terabytes", "bytes", "1e12"),
    ("kib", "bytes", "1024"),
    ("mib", "bytes", "1048576"),
    ("gib", "bytes", "1073741824"),
    ("tib", "bytes", "1099511627776"),
    ("kbps", "bitrate", "1e3"),
    ("mbps", "bitrate", "1e6"),
    ("gbps", "bitrate", "1e9"),
    ("hz", "frequency", "1"),
    ("khz", "frequency", "1e3"),
    ("mhz", "frequency", "1e6"),
    ("ghz", "frequency", "1e9"),
    ("% percent pct", "percent", "1"),
    ("x × times fold", "times", "1"),
    ("$ usd dollar dollars", "usd", "1"),
    ("€ eur euro euros", "eur", "1"),
    ("£ gbp pound pounds", "gbp", "1"),
):
    for _name in _names.split():
        UNITS[_name] = (_dimension, Decimal(_factor))
UNITS["per cent"] = UNITS["percent"]

_SMALL = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORDS = {**_SMALL, **_TENS, **_SCALES, "dozen": 12}
_NUMBER_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))
# A run of number words ("two hundred and forty-two"); "one" alone is too common to be a claim.
WORD_NUMBER = re.compile(
    rf"(?<![\w-])(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*(?![\w-])", re.IGNORECASE
)
_MULTIPLIER_WORDS: dict[str, int | Decimal] = {
    "twice": 2,
    "double": 2,
    "doubled": 2,
    "triple": 3,
    "tripled": 3,
    "quadrupled": 4,
    "threefold": 3,
    "fourfold": 4,
    "tenfold": 10,
    "halved": Decimal("0.5"),
}
# "twice as fast" and "double the speed" compare; "we never post twice" only counts.
MULTIPLIER_WORD = re.compile(
    r"(?<![\w-])(?:(?:twice|double|triple)(?=\s+(?:as|the)\b)|doubled|tripled|quadrupled|"
    r"threefold|fourfold|tenfold|halved)(?![\w-])",
    re.IGNORECASE,
)

_UNIT_AFTER = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True) if u not in ("$", "€", "£"))
# Digits with thousands separators or decimals, optional currency before and a unit or scale after.
DIGITS = re.compile(
    r"(?<![\w.,/-])(?P<cur>[$€£])?(?P<v>v)?(?P<body>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?P<dots>(?:\.\d+)*)"
    r"(?P<scale>(?-i:[kKMB])(?![\w])|bn(?![\w]))?"
    rf"(?:(?P<gap>[\s\u00a0-]?)(?P<unit>{_UNIT_AFTER})(?![\w]))?"
    r"(?![\w]|\.\d)",
    re.IGNORECASE,
)
_SCALE = {"k": Decimal(1000), "m": Decimal(10**6), "b": Decimal(10**9), "bn": Decimal(10**9)}


@dataclass(frozen=True)
class Quantity:
    """One number in a text. `version` is set for dotted versions (compared as written);
    `value` is in the base unit of `dimension` (None: a plain count)."""

    text: str
    start: int
    end: int
    value: Decimal | None = None
    dimension: str | None = None
    version: str | None = None
    bare: str | None = None  # the digits as written ("2.4", "1200"), for exact matches
    raw: Decimal | None = None  # the number before unit conversion ("900 ms" → 900)

    def matches(self, other: Quantity) -> bool:
        mine, theirs = self.version or self.bare, other.version or other.bare
        # A version, or a dotted number with no unit, is compared as written: 3.14 is not 3.14.1
        # and 1.40 is not 1.4.
        if self.version or other.version:
            # A version is never a measurement: "v2" does not stand for "2×".
            return self.dimension is None and other.dimension is None and mine is not None and mine == theirs
        if mine and "." in mine and self.dimension is None:
            return mine == theirs
        if self.value is None or other.value is None:
            return False
        if self.dimension is None:
            return self.raw == other.raw
        return self.dimension == other.dimension and self.value == other.value


def _words_value(words: str) -> Decimal | None:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word == "and" or not word:
            continue
        number = _WORDS.get(word)
        if number is None:
            return None
        if word in _SCALES:
            current = max(current, 1) * number
            if number >= 1000:
                total, current = total + current, 0
        else:
            current += number
    return Decimal(total + current)


def quantities(text: str, skip: list[tuple[int, int]] = ()) -> list[Quantity]:  # type: ignore[assignment]
    """Every number in `text` outside the `skip` spans (links, hashtags, dates found elsewhere)."""
    found: list[Quantity] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in skip) and not any(
            q.start < end and start < q.end for q in found
        )

    for match in DIGITS.finditer(text):
        if not free(match.start(), match.end()) or _list_marker(text, match):
            continue
        found.append(_from_digits(match))
    for match in WORD_NUMBER.finditer(text):
        words = match.group(0)
        if words.lower() in ("one", "a") or not free(match.start(), match.end()):
            continue
        value = _words_value(words)
        if value is None:
            continue
        after = re.match(r"[\s-]*(times|fold|percent|per cent|%)(?![\w])", text[match.end() :], re.IGNORECASE)
        end = match.end() + (after.end() if after else 0)
        dimension, factor = UNITS[after.group(1).lower()] if after else (None, Decimal(1))
        found.append(
            Quantity(
                text[match.start() : end], match.start(), end, value * factor, dimension, bare=str(value), raw=value
            )
        )
    for match in MULTIPLIER_WORD.finditer(text):
        if free(match.start(), match.end()):
            value = Decimal(_MULTIPLIER_WORDS[match.group(0).lower()])
            found.append(
                Quantity(match.group(0), match.start(), match.end(), value, "times", bare=str(value), raw=value)
            )
    return sorted(found, key=lambda q: q.start)


def _list_marker(text: str, match: re.Match[str]) -> bool:
    """ "1." or "2)" opening a line, followed by the item's words, numbers a list; it claims nothing.
    A number that is the whole line ("0.") is not a marker: it is what the line says."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    follows = text[match.end() + 1 : match.end() + 2]
    return (
        not text[line_start : match.start()].strip()
        and text[match.end() : match.end() + 1] in (".", ")")
        and not match.group("dots")
        and follows.isspace()
        and bool(text[match.end() + 2 :].split("\n", 1)[0].strip())
    )


def _from_digits(match: re.Match[str]) -> Quantity:
    body, dots = match.group("body"), match.group("dots") or ""
    text, start, end = match.group(0), match.start(), match.end()
    if match.group("v") or dots.count(".") >= 2:
        return Quantity(text, start, end, version=(body + dots).lower())
    try:
        value = Decimal(body.replace(",", "") + dots)
    except InvalidOperation:
        return Quantity(text, start, end)
    scale = (match.group("scale") or "").lower()
    if scale:
        value *= _SCALE[scale]
    unit = (match.group("unit") or "").lower()
    if unit in ("x", "b") and match.group("gap"):
        # "3 x 4" or "5 b" with a space read as letters, not units; "3x" attached does not.
        unit, end = "", match.end("scale") if match.group("scale") else match.end("dots")
        text = match.string[start:end]
    dimension, factor = UNITS.get(match.group("cur") or unit, (None, Decimal(1)))
    # A scaled number ("1.2k") is compared by value: it may be written 1,200 elsewhere.
    bare = None if scale else body.replace(",", "") + dots
    return Quantity(text, start, end, value * factor, dimension, bare=bare, raw=value)
