"""Length as each platform counts it: the one place Signoff counts a post.

    x_weighted   X: twitter-text v3 weighted length (NFC first; a URL is 23; CJK and emoji 2)
    mastodon     Mastodon's StatusLengthValidator: grapheme clusters, after every http(s) URL
                 became 23 characters and every @user@domain became @user
    graphemes    Bluesky: grapheme clusters, and never fewer than a tenth of the UTF-8 bytes
                 (the post lexicon caps both: 300 graphemes and 3000 bytes)
    characters   code points (webhook, Slack, Dev.to, dry run)

Destinations split and preview with these; the pipeline writes, trims and checks with them too,
through the `measure` the worker hands it (pipeline/ cannot import this package).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import regex
from twitter_text import extract_urls_with_indices, parse_tweet
from twitter_text.regexp.latin_accent_chars import latin_accent_chars

from destinations.base import LengthUnit

Measure = Callable[[str], int]

_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> list[str]:
    """Extended grapheme clusters (UAX #29 as of the `regex` module's Unicode: 15.1+ rules, like
    Bluesky's Intl.Segmenter, so an Indic conjunct such as क्ष is one)."""
    found: list[str] = _GRAPHEME.findall(text)
    return found


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def x_weighted_length(text: str) -> int:
    weighted: int = parse_tweet(text).weightedLength
    return weighted


# -- Mastodon -------------------------------------------------------------------------------------
MASTODON_URL_LENGTH = 23
# Mastodon's Extractor ignores a mention whose domain is longer than this (app/lib/extractor.rb).
MASTODON_MAX_DOMAIN_LENGTH = 253
# Account::MENTION_RE: USERNAME_RE is [a-z0-9_]+([.-]+[a-z0-9_]+)* (case-insensitive) and
# [[:word:]] is Unicode letters, marks, digits and connectors.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION = regex.compile(
    rf"(?<![=/]|{_WORD})@((?P<user>[a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(?:@(?P<domain>{_WORD}+(?:[.-]+{_WORD}+)*))?)"
)
# twitter-text's end_mention_match: an @, a Latin accent or "://" right after means it was not one.
_END_MENTION = regex.compile(rf"[@＠{latin_accent_chars.pattern}]|://")
# Unicode 15.1 (GB9c) keeps an Indic conjunct such as क्ष in one cluster. Mastodon runs Ruby 3.4,
# whose grapheme rules are Unicode 15.0 and break before each conjoined consonant; counting those
# breaks too gives Mastodon's number now and never fewer than it once its Ruby catches up.
_CONJOINED = regex.compile(
    r"(?<=\p{InCB=Consonant}[\p{InCB=Extend}\p{InCB=Linker}]*\p{InCB=Linker}[\p{InCB=Extend}\p{InCB=Linker}]*)"
    r"\p{InCB=Consonant}"
)


def _mastodon_entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, what it counts as) for every URL and mention, overlaps removed as Mastodon does."""
    found = [
        (url["indices"][0], url["indices"][1], "x" * MASTODON_URL_LENGTH)
        for url in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]
    for match in _MENTION.finditer(text):
        domain = match.group("domain")
        if _END_MENTION.match(text, match.end()) or (domain and len(domain) > MASTODON_MAX_DOMAIN_LENGTH):
            continue
        found.append((match.start(), match.end(), "@" + match.group("user")))
    kept: list[tuple[int, int, str]] = []
    for entity in sorted(found, key=lambda e: e[0]):
        if not kept or entity[0] >= kept[-1][1]:
            kept.append(entity)
    return kept


def mastodon_countable_text(text: str) -> str:
    """The text Mastodon measures: URLs as 23 x's, remote mentions without their domain."""
    pieces, cursor = [], 0
    for start, end, counted_as in _mastodon_entities(text):
        pieces += [text[cursor:start], counted_as]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def mastodon_length(text: str) -> int:
    countable = mastodon_countable_text(text)
    return grapheme_count(countable) + len(_CONJOINED.findall(countable))


# -- Bluesky --------------------------------------------------------------------------------------
BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_MAX_BYTES = 3000
_BYTES_PER_GRAPHEME = BLUESKY_MAX_BYTES // BLUESKY_MAX_GRAPHEMES


def bluesky_length(text: str) -> int:
    """Graphemes, unless the UTF-8 bytes run out first: at most 300 means both lexicon caps hold.
    Proportional rather than a jump at 3000 bytes, so a part plus its " (2/3)" still fits."""
    return max(grapheme_count(text), math.ceil(len(text.encode("utf-8")) / _BYTES_PER_GRAPHEME))


# -- by unit --------------------------------------------------------------------------------------
MEASURES: dict[LengthUnit, Measure] = {
    LengthUnit.characters: len,
    LengthUnit.graphemes: bluesky_length,
    LengthUnit.x_weighted: x_weighted_length,
    LengthUnit.mastodon: mastodon_length,
}


def measure_for(unit: LengthUnit | str) -> Measure:
    return MEASURES[LengthUnit(getattr(unit, "value", unit))]


def measure(text: str, unit: LengthUnit | str) -> int:
    """`text`'s length in `unit` (a LengthUnit or its value, such as the pipeline's own enum)."""
    return measure_for(unit)(text)
