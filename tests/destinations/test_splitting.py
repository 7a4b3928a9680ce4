from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from destinations.base import LengthUnit
from destinations.lengths import grapheme_count, measure_for
from destinations.splitting import split_thread


def body(part: str) -> str:
    return re.sub(r" \(\d+/\d+\)$", "", part)


def test_text_within_the_limit_is_one_part_without_numbering() -> None:
    assert split_thread("  One sentence.  ", 20) == ["One sentence."]


def test_parts_break_after_sentences_and_number_themselves_within_the_limit() -> None:
    text = "First sentence is here. Second one follows! Third asks why? Fourth ends it."
    parts = split_thread(text, 50)
    assert len(parts) > 1
    assert all(len(p) <= 50 for p in parts)
    assert [p[-6:] for p in parts] == [f" ({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    assert all(body(p)[-1] in ".!?" for p in parts)
    assert " ".join(body(p) for p in parts) == text


def test_a_sentence_longer_than_a_part_breaks_between_words() -> None:
    text = "word " * 100
    parts = split_thread(text.strip(), 60)
    assert all(len(p) <= 60 for p in parts)
    assert all(set(body(p).split()) == {"word"} for p in parts)


def test_a_word_longer_than_a_part_is_cut_between_graphemes_not_inside_one() -> None:
    text = "👨‍👩‍👧‍👦" * 40
    parts = split_thread(text, 30, grapheme_count)
    assert all(grapheme_count(p) <= 30 for p in parts)
    assert "".join(body(p) for p in parts) == text


def test_numbering_stays_within_the_limit_when_the_part_count_reaches_two_digits() -> None:
    parts = split_thread(" ".join(f"Sentence {i}." for i in range(200)), 40)
    assert len(parts) >= 10
    assert all(len(p) <= 40 for p in parts)
    assert parts[-1].endswith(f" ({len(parts)}/{len(parts)})")


def test_paragraph_breaks_inside_a_part_are_kept() -> None:
    parts = split_thread("Intro line.\n\nSecond paragraph. " + "More text here. " * 10, 80)
    assert parts[0].startswith("Intro line.\n\nSecond paragraph.")


def test_cjk_full_stops_are_sentence_boundaries() -> None:
    parts = split_thread("今日は晴れです。" * 20, 50)
    assert all(len(p) <= 50 for p in parts)
    assert all(body(p).endswith("。") for p in parts)


def test_a_limit_too_small_for_numbering_is_refused() -> None:
    with pytest.raises(ValueError):
        split_thread("a b c d e f g h", 6)


# -- properties: any text, every destination that threads ------------------------------------------
# Pieces chosen to stress each count: links (23 on X and Mastodon), remote mentions, CJK and emoji
# (2 on X), combining marks, ZWJ sequences, flags, Indic conjuncts, decomposed Hangul, RTL marks.
_PIECES = [
    "word",
    "Satz.",
    "done!",
    " ",
    " ",
    "\n",
    "\n\n",
    "https://example.com/a/long/path?q=1",
    "example.org",
    "@alice@mastodon.social",
    "@bob",
    "日本語",
    "。",
    "😀",
    "👩\u200d💻",
    "🇫🇷",
    "e\u0301",
    "a\u0308\u0301",
    "नमस्ते",
    "क्ष",
    "สวัสดี",
    "\u1112\u1161\u11ab",
    "مرحبا",
    "\u200f",
    "#tag",
    "x" * 60,
    "…",
    "\t",
]
_TEXTS = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=250).map("".join),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=1500),
)
_DESTINATIONS = {
    "x": (280, LengthUnit.x_weighted),
    "mastodon": (500, LengthUnit.mastodon),
    "bluesky": (300, LengthUnit.graphemes),
    "tiny": (20, LengthUnit.characters),
}


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS, st.sampled_from(sorted(_DESTINATIONS)))
def test_every_part_fits_its_destination_as_that_destination_counts_it(text: str, name: str) -> None:
    limit, unit = _DESTINATIONS[name]
    parts = split_thread(text, limit, measure_for(unit))
    assert all(measure_for(unit)(p) <= limit for p in parts), [(measure_for(unit)(p), p) for p in parts]
    # Nothing is lost or reordered: only whitespace between parts may change.
    bodies = [body(p) for p in parts] if len(parts) > 1 else parts
    assert "".join("".join(bodies).split()) == "".join(text.split())


@settings(deadline=None, max_examples=150)
@given(
    st.lists(st.sampled_from([p for p in _PIECES if p != "x" * 60]), min_size=1, max_size=250).map("".join),
    st.sampled_from(["x", "mastodon", "bluesky"]),
)
def test_joining_the_parts_gives_back_every_word_when_each_word_fits_a_part(text: str, name: str) -> None:
    limit, unit = _DESTINATIONS[name]
    assume(all(measure_for(unit)(word) <= limit - 8 for word in text.split()))
    parts = split_thread(text, limit, measure_for(unit))
    bodies = [body(p) for p in parts] if len(parts) > 1 else parts
    assert " ".join(bodies).split() == text.split()


def test_a_grapheme_over_blueskys_byte_cap_is_split_rather_than_sent_whole() -> None:
    heavy = "a" + "\u0301" * 1600  # one grapheme of 3201 bytes
    parts = split_thread(heavy, 300, measure_for(LengthUnit.graphemes))
    assert len(parts) > 1 and all(measure_for(LengthUnit.graphemes)(p) <= 300 for p in parts)
