"""What a text claims: numbers, versions, dates, names of products and people, quotes and links.

`find_claims` returns each checkable statement with its place in the text. Hashtags are not
claims (they label the post), and nothing inside a link, a quote or a code span is counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.numbers import Quantity, quantities
from pipeline.provenance import LINK, MENTION

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "January Jan",
            "February Feb",
            "March Mar",
            "April Apr",
            "May",
            "June Jun",
            "July Jul",
            "August Aug",
            "September Sept Sep",
            "October Oct",
            "November Nov",
            "December Dec",
        ),
        1,
    )
    for name in names.split()
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
DATES = [
    ("ymd", re.compile(r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")),
    ("mdy", re.compile(rf"\b({_MONTH})\.?\s+{_DAY}(?:,?\s+(\d{{4}}))?(?![\w])")),
    ("dmy", re.compile(rf"\b{_DAY}\s+(?:of\s+)?({_MONTH})\.?(?:,?\s+(\d{{4}}))?(?![\w])")),
    ("my", re.compile(rf"\b({_MONTH})\.?\s+(\d{{4}})(?![\w])")),
    ("q", re.compile(r"\bQ([1-4])(?:\s+(\d{4}))?(?![\w])")),
]
HASHTAG = re.compile(r"(?<![\w#&])#\w+")
CODE = re.compile(r"`([^`\n]+)`")
QUOTE = re.compile(r"“([^”\n]{3,})”|\"([^\"\n]{3,})\"|‘([^’\n]{3,})’")
_NAME_TOKEN = re.compile(r"(?<![\w'’.+-])(?:[A-Za-z][\w'’.+-]*[\w+]|[A-Z])")
# Capitalised words that start sentences or address the reader; never names on their own.
_COMMON = frozenset(
    """
i we our us you your the a an this that these those it its here there what why how when where who
which today tomorrow yesterday and or but so if in on at for to of by with from as not no yes new
more less most all every some any each my me he she they their his her thanks thank please also just
now then still next last first monday tuesday wednesday thursday friday saturday sunday
""".split()
)


@dataclass(frozen=True)
class Found:
    kind: str  # number, version, date, name, quote, link, mention
    text: str
    start: int
    end: int
    quantity: Quantity | None = None
    date: tuple[int | None, int | None, int | None] | None = None  # (year, month, day); quarter: month = -q


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


def find_claims(text: str) -> list[Found]:
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for match in LINK.finditer(text):
        link = match.group(0).rstrip(".,;:!?)]»”’'\"")
        found.append(Found("link", link, match.start(), match.start() + len(link)))
        taken.append((match.start(), match.end()))
    for match in MENTION.finditer(text):
        if not _overlaps(taken, match.start(), match.end()):
            found.append(Found("mention", "@" + match.group(1).rstrip(".-"), match.start(), match.end()))
            taken.append((match.start(), match.end()))
    taken += [m.span() for m in HASHTAG.finditer(text) if not _overlaps(taken, *m.span())]
    for pattern in (CODE, QUOTE):
        for match in pattern.finditer(text):
            inner = next(g for g in match.groups() if g is not None)
            if _overlaps(taken, *match.span()) or (pattern is QUOTE and len(inner.split()) < 3):
                continue
            found.append(Found("quote", inner.strip(), match.start(), match.end()))
            taken.append(match.span())
    found += _dates(text, taken)
    for quantity in quantities(text, taken):
        kind = "version" if quantity.version else "number"
        found.append(Found(kind, quantity.text, quantity.start, quantity.end, quantity=quantity))
        taken.append((quantity.start, quantity.end))
    found += _names(text, taken)
    return sorted(found, key=lambda f: f.start)


def _dates(text: str, taken: list[tuple[int, int]]) -> list[Found]:
    dates: list[Found] = []
    for shape, pattern in DATES:
        for match in pattern.finditer(text):
            if _overlaps(taken, *match.span()):
                continue
            groups = match.groups()
            year: int | None
            day: int | None
            if shape == "ymd":
                year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
            elif shape == "mdy":
                year, month, day = _int(groups[2]), MONTHS[groups[0]], int(groups[1])
            elif shape == "dmy":
                year, month, day = _int(groups[2]), MONTHS[groups[1]], int(groups[0])
            elif shape == "my":
                year, month, day = int(groups[1]), MONTHS[groups[0]], None
            else:
                year, month, day = _int(groups[1]), -int(groups[0]), None
            if day is not None and not 1 <= day <= 31:
                continue
            dates.append(Found("date", match.group(0), match.start(), match.end(), date=(year, month, day)))
            taken.append(match.span())
    return dates


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'“‘([*_•–—-")
    return not before or before[-1] in ".!?:\n…" or (not before[-1].isalnum() and before[-1] not in ",;")


def _name_like(token: str, initial: bool) -> bool:
    bare = token.rstrip(".").removesuffix("'s").removesuffix("’s")
    if bare.lower() in _COMMON or bare in MONTHS or len(bare) < 2:
        return False
    inner_caps = any(c.isupper() for c in bare[1:]) or any(c.isdigit() for c in bare)
    if bare[0].islower():
        return inner_caps and any(c.isupper() for c in bare)  # iOS, macOS, eBPF
    return inner_caps or not initial


def _names(text: str, taken: list[tuple[int, int]]) -> list[Found]:
    names: list[Found] = []
    run: list[re.Match[str]] = []
    # A capitalised word opening a sentence is a name only when a name follows it ("Alice Smith").
    held: re.Match[str] | None = None

    def close() -> None:
        if run:
            start, end = run[0].start(), run[-1].end()
            phrase = text[start:end].rstrip(".").removesuffix("'s").removesuffix("’s")
            names.append(Found("name", phrase, start, start + len(phrase)))
            run.clear()

    for match in _NAME_TOKEN.finditer(text):
        token = match.group(0)
        initial = _sentence_start(text, match.start())

        def adjacent(before: re.Match[str], match: re.Match[str] = match) -> bool:
            return text[before.end() : match.start()] in (" ", "\u00a0") and not before.group(0).endswith(".")

        if _overlaps(taken, *match.span()) or not _name_like(token, initial):
            close()
            plain = token[:1].isupper() and token.lower() not in _COMMON and token not in MONTHS
            held = match if initial and plain and not _overlaps(taken, *match.span()) else None
            continue
        if run and not adjacent(run[-1]):
            close()
        if not run and held is not None and adjacent(held):
            run.append(held)
        held = None
        run.append(match)
    close()
    return names
