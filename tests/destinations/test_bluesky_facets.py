"""Bluesky facets detected exactly as atproto's own rich-text detection does, byte offsets included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from destinations.bluesky_facets import LINK, MENTION, TAG, facets, mentioned_handles

# bluesky-social/atproto packages/api/tests/rich-text-detection.test.ts, its three tables copied
# verbatim into conformance/bluesky_rich_text.json: texts with the segments RichText.segments()
# yields (handles resolve to did:fake:<handle> there), hashtags, cashtags.
_TABLE = json.loads((Path(__file__).parent / "conformance" / "bluesky_rich_text.json").read_text(encoding="utf-8"))


def segments(text: str, found: list[dict[str, Any]]) -> list[list[str]]:
    """atproto's RichText.segments(): plain runs as [text], faceted ones as [text, did or uri or '']."""
    data, cursor, out = text.encode("utf-8"), 0, []
    for facet in found:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        if cursor < start:
            out.append([data[cursor:start].decode()])
        feature = facet["features"][0]
        out.append([data[start:end].decode(), feature.get("did") or feature.get("uri") or ""])
        cursor = end
    if cursor < len(data):
        out.append([data[cursor:].decode()])
    return out


def _fake_dids(text: str) -> dict[str, str]:
    return {handle: f"did:fake:{handle}" for handle in mentioned_handles(text)}


@pytest.mark.parametrize("case", _TABLE["segments"], ids=[c["text"][:40] for c in _TABLE["segments"]])
def test_mentions_and_links_split_the_text_as_atproto_does(case: dict[str, Any]) -> None:
    assert segments(case["text"], facets(case["text"], _fake_dids(case["text"]))) == case["segments"]


@pytest.mark.parametrize("case", _TABLE["tags"], ids=[c["text"][:40] for c in _TABLE["tags"]])
def test_hashtags_are_detected_as_atproto_detects_them(case: dict[str, Any]) -> None:
    found = [f for f in facets(case["text"]) if f["features"][0]["$type"] == TAG]
    assert [f["features"][0]["tag"] for f in found] == case["tags"]
    assert [f["index"] for f in found] == case["indices"]


@pytest.mark.parametrize("case", _TABLE["cashtags"], ids=[c["text"][:40] for c in _TABLE["cashtags"]])
def test_cashtags_are_detected_as_atproto_detects_them(case: dict[str, Any]) -> None:
    found = [f for f in facets(case["text"]) if f["features"][0].get("tag", "").startswith("$")]
    assert [f["features"][0]["tag"] for f in found] == case["tags"]
    assert [f["index"] for f in found] == case["indices"]


def test_offsets_are_utf8_bytes_after_non_ascii_text() -> None:
    text = "Привет 👋🏽 日本 ＃タグ see example.org and @alice.bsky.social"
    found = facets(text, {"alice.bsky.social": "did:plc:alice"})
    data = text.encode("utf-8")
    assert [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in found] == [
        "＃タグ",
        "example.org",
        "@alice.bsky.social",
    ]
    assert [f["features"][0] for f in found] == [
        {"$type": TAG, "tag": "タグ"},
        {"$type": LINK, "uri": "https://example.org"},
        {"$type": MENTION, "did": "did:plc:alice"},
    ]


def test_a_mention_that_does_not_resolve_stays_plain_text() -> None:
    assert facets("thanks @nobody.example.com") == []
    assert mentioned_handles("@Alice.bsky.social and @alice.bsky.social, not me@x.com") == ["alice.bsky.social"]


def test_a_bare_domain_that_starts_with_http_still_gets_a_scheme() -> None:
    # atproto would keep "httpbin.org" as the link's uri, which the lexicon refuses as a URI.
    assert facets("see httpbin.org")[0]["features"][0]["uri"] == "https://httpbin.org"


@settings(deadline=None, max_examples=300)
@given(st.text(st.one_of(st.sampled_from(list("#＃@$.:/()-_ \n")), st.characters(codec="utf-8")), max_size=200))
def test_facets_of_any_text_are_in_order_inside_the_text_and_on_character_boundaries(text: str) -> None:
    data = text.encode("utf-8")
    found = facets(text, _fake_dids(text))
    previous_end = 0
    for facet in found:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert previous_end <= start < end <= len(data)
        data[start:end].decode("utf-8")  # raises if a range splits a character
        previous_end = end
