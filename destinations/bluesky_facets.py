"""Rich-text facets for Bluesky posts: mentions, links, hashtags and cashtags, by UTF-8 byte offsets.

Bluesky shows plain text unless a facet marks a range; ranges are byte offsets into the UTF-8
encoding (start inclusive, end exclusive), so an emoji before a link shifts it by 4, not 1. The
rules are atproto's own (packages/api/src/rich-text/detection.ts and util.ts), written for
Python: JavaScript's \\s, \\d and \\b differ from Python's, so each is spelled out.
"""

from __future__ import annotations

from typing import Any

import regex
from twitter_text.regexp.valid_cctld import valid_cctld
from twitter_text.regexp.valid_gtld import valid_gtld

from destinations.lengths import grapheme_count

# JavaScript's \s (ECMAScript WhiteSpace and LineTerminator), as the characters themselves.
_S = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
# JavaScript's \b outside unicode mode: a change between [A-Za-z0-9_] and anything else.
_JS_B = r"(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))"
_MENTION = regex.compile(rf"(?:^|(?<=[{_S}(]))@([a-zA-Z0-9.-]+){_JS_B}")
_URL = regex.compile(
    rf"(?:^|(?<=[{_S}(]))(?:(?P<full>(?i:https?)://[^{_S}]+)|(?P<bare>(?P<domain>[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+)+)[^{_S}]*))"
)
# Characters that end a tag without being punctuation: soft hyphen, word joiner, zero-width spaces
# and joiners, the enclosing-keycap-like U+20E2.
_INVISIBLE = r"\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(?:^|(?<=[{_S}]))[#＃]((?!\ufe0f)[^{_S}{_INVISIBLE}]*[^0-9{_S}\p{{P}}{_INVISIBLE}]+[^{_S}{_INVISIBLE}]*)?"
)
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
_CASHTAG = regex.compile(rf"(?:^|(?<=[{_S}(]))\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_S}]|\Z|[.,;:!?)\"'\u2019])")
MAX_TAG_GRAPHEMES = 64

MENTION = "app.bsky.richtext.facet#mention"
LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"


def _is_tld(label: str) -> bool:
    # atproto checks against the IANA list (the `tlds` package); twitter-text ships the same list.
    return any(
        (m := pattern.match(label)) is not None and m.end() == len(label) for pattern in (valid_gtld, valid_cctld)
    )


def _valid_domain(name: str) -> bool:
    return "." in name and _is_tld(name.rsplit(".", 1)[1])


def _byte_range(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def _mentions(text: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), m.group(1))
        for m in _MENTION.finditer(text)
        if _valid_domain(m.group(1)) or m.group(1).endswith(".test")
    ]


def mentioned_handles(text: str) -> list[str]:
    """Handles mentioned in `text`, in order, each once (lower-cased, as Bluesky resolves them)."""
    return list(dict.fromkeys(handle.lower() for _, _, handle in _mentions(text)))


def _links(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _URL.finditer(text):
        if match.group("full") is not None:
            uri = match.group("full")
            if not uri.startswith("http"):  # atproto's check is case-sensitive: HTTPS://… is left alone
                continue
            start = match.start("full")
        else:
            # atproto keeps a bare "httpbin.org" without a scheme (an invalid link facet): every
            # bare domain gets https:// here.
            if not _valid_domain(match.group("domain")):
                continue
            uri, start = "https://" + match.group("bare"), match.start("bare")
        end = match.end()
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        # atproto drops a closing ")" only when the link has no "(" at all; an unbalanced one is
        # dropped here too, so "(see https://w.example/Foo_(bar))" keeps just the link's own pair.
        if uri.endswith(")") and uri.count(")") > uri.count("("):
            uri, end = uri[:-1], end - 1
        found.append((start, end, uri))
    return found


def _tags(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _TAG.finditer(text):
        tag = match.group(1)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag.strip(_S))
        if not tag or grapheme_count(tag) > MAX_TAG_GRAPHEMES:
            continue
        found.append((match.start(), match.start() + 1 + len(tag), tag))
    for match in _CASHTAG.finditer(text):
        ticker = match.group(1)
        found.append((match.start(), match.start() + 1 + len(ticker), "$" + ticker.upper()))
    return found


def facets(text: str, dids: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Facets for `text`, in text order; a mention becomes one only when `dids` knows its handle
    (one that does not resolve stays plain text, as in Bluesky's own app)."""
    found: list[tuple[int, dict[str, Any]]] = []
    for start, end, handle in _mentions(text):
        did = (dids or {}).get(handle.lower())
        if did:
            found.append(
                (start, {"index": _byte_range(text, start, end), "features": [{"$type": MENTION, "did": did}]})
            )
    for start, end, uri in _links(text):
        found.append((start, {"index": _byte_range(text, start, end), "features": [{"$type": LINK, "uri": uri}]}))
    for start, end, tag in _tags(text):
        found.append((start, {"index": _byte_range(text, start, end), "features": [{"$type": TAG, "tag": tag}]}))
    return [facet for _, facet in sorted(found, key=lambda item: item[0])]
