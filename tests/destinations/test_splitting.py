from __future__ import annotations

import re

import pytest

from destinations.lengths import grapheme_count
from destinations.splitting import split_thread


def body(part: str) -> str:
    return re.sub(r" \(\d+/\d+\)$", "", part)


def test_text_within_the_limit_is_one_part_without_numbering():
    assert split_thread("  One sentence.  ", 20) == ["One sentence."]


def test_parts_break_after_sentences_and_number_themselves_within_the_limit():
    text = "First sentence is here. Second one follows! Third asks why? Fourth ends it."
    parts = split_thread(text, 50)
    assert len(parts) > 1
    assert all(len(p) <= 50 for p in parts)
    assert [p[-6:] for p in parts] == [f" ({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    assert all(body(p)[-1] in ".!?" for p in parts)
    assert " ".join(body(p) for p in parts) == text


def test_a_sentence_longer_than_a_part_breaks_between_words():
    text = "word " * 100
    parts = split_thread(text.strip(), 60)
    assert all(len(p) <= 60 for p in parts)
    assert all(set(body(p).split()) == {"word"} for p in parts)


def test_a_word_longer_than_a_part_is_cut_between_graphemes_not_inside_one():
    text = "👨‍👩‍👧‍👦" * 40
    parts = split_thread(text, 30, grapheme_count)
    assert all(grapheme_count(p) <= 30 for p in parts)
    assert "".join(body(p) for p in parts) == text


def test_numbering_stays_within_the_limit_when_the_part_count_reaches_two_digits():
    parts = split_thread(" ".join(f"Sentence {i}." for i in range(200)), 40)
    assert len(parts) >= 10
    assert all(len(p) <= 40 for p in parts)
    assert parts[-1].endswith(f" ({len(parts)}/{len(parts)})")


def test_paragraph_breaks_inside_a_part_are_kept():
    parts = split_thread("Intro line.\n\nSecond paragraph. " + "More text here. " * 10, 80)
    assert parts[0].startswith("Intro line.\n\nSecond paragraph.")


def test_cjk_full_stops_are_sentence_boundaries():
    parts = split_thread("今日は晴れです。" * 20, 50)
    assert all(len(p) <= 50 for p in parts)
    assert all(body(p).endswith("。") for p in parts)


def test_a_limit_too_small_for_numbering_is_refused():
    with pytest.raises(ValueError):
        split_thread("a b c d e f g h", 6)
