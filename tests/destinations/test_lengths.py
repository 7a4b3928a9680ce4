"""Every platform's length, counted the way that platform counts it, against the platforms' own cases."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet
from twitter_text.config import config

from destinations.base import LengthUnit
from destinations.lengths import (
    MEASURES,
    bluesky_length,
    grapheme_count,
    graphemes,
    mastodon_countable_text,
    mastodon_length,
    measure,
    x_weighted_length,
)

CONFORMANCE = Path(__file__).parent / "conformance"

# twitter/twitter-text, conformance/validate.yml: the 44 weighted-length cases (WeightedTweetsCounterTest
# counts with config v2, the two others with v3, which is X's and our default), copied verbatim into
# conformance/x_weighted_length.json.
_X = json.loads((CONFORMANCE / "x_weighted_length.json").read_text(encoding="utf-8"))
X_CASES = [(section, case) for section, cases in _X["cases"].items() for case in cases]


def test_the_x_table_holds_all_44_weighted_cases() -> None:
    assert len(X_CASES) == 44


@pytest.mark.parametrize(("section", "case"), X_CASES, ids=[f"{s[:20]}: {c['description'][:50]}" for s, c in X_CASES])
def test_x_weighted_length_passes_twitter_texts_conformance_case(section: str, case: dict[str, Any]) -> None:
    version = _X["config"][section]
    # The v2 table predates emoji parsing; its config has no switch for it, so it is off there.
    options = {"emoji_parsing_enabled": False, **config[version]}
    result = parse_tweet(case["text"], options).asdict()
    assert {key: result[key] for key in case["expected"]} == case["expected"]
    if version == "version3":  # what X and our splitter use
        assert x_weighted_length(case["text"]) == case["expected"]["weightedLength"]
        assert parse_tweet(case["text"]).valid is case["expected"]["valid"]


def test_x_counts_decomposed_hangul_as_the_syllables_it_composes_to() -> None:
    nfd = unicodedata.normalize("NFD", "한국어 텍스트")
    assert len(nfd) > len("한국어 텍스트")
    assert x_weighted_length(nfd) == x_weighted_length("한국어 텍스트") == 13


@pytest.mark.parametrize("emoji", ["🐦\u200d🔥", "🙂\u200d↔\ufe0f", "🍋\u200d🟩"])
def test_x_over_counts_emoji_newer_than_twitter_text_which_errs_on_the_safe_side(emoji: str) -> None:
    # Unicode 15.1 ZWJ sequences: X counts any emoji as 2; the library's emoji list predates them and
    # counts their pieces. Never fewer than X, so a part we call fitting always fits.
    assert x_weighted_length(emoji) > 2


# mastodon/mastodon, spec/validators/status_length_validator_spec.rb (MAX_CHARS stubbed to 500):
# (description, text, over the limit?). The validator counts grapheme clusters of the text after
# URLs became 23 characters and remote mentions lost their domain (app/validators/status_length_validator.rb).
MASTODON_SPEC = [
    ("adds an error when text is over character limit", "a" * 520, True),
    (
        "reduces calculated length of auto-linkable space-separated URLs",
        "a" * 476 + " " + f"http://{'b' * 30}.com/example",
        False,
    ),
    ("does not reduce calculated length of non-autolinkable URLs", "a" * 476 + f"http://{'b' * 30}.com/example", True),
    ("does not reduce calculated length of count overly long URLs", "http://example.com/valid?" + "#foo?" * 1000, True),
    ("counts only the front part of remote usernames", "a" * 475 + f" @alice@{'b' * 30}.com", False),
    ("does count both parts of remote usernames for overly long domains", f"@alice@{'b' * 500}.com", True),
    ("counts multi byte emoji as single character", "✨" * 500, False),
    ("counts ZWJ sequence emoji as single character", "🏳️‍⚧️" * 500, False),
]


@pytest.mark.parametrize(("description", "text", "too_long"), MASTODON_SPEC, ids=[c[0] for c in MASTODON_SPEC])
def test_mastodon_length_agrees_with_mastodons_validator_spec(description: str, text: str, too_long: bool) -> None:
    assert (mastodon_length(text) > 500) is too_long


def test_mastodon_counts_a_url_as_23_and_a_remote_mention_as_its_local_part() -> None:
    text = "hi @bob@mastodon.social and @carol, see https://example.com/x?y=1 ok"
    assert mastodon_countable_text(text) == "hi @bob and @carol, see " + "x" * 23 + " ok"
    assert mastodon_length(text) == len("hi @bob and @carol, see ") + 23 + len(" ok")


def test_an_address_or_a_url_with_an_at_sign_is_not_a_mention_to_mastodon() -> None:
    assert mastodon_countable_text("mail me@example.com") == "mail me@example.com"
    assert mastodon_countable_text("a=@x@y.z and /@u@v.w") == "a=@x@y.z and /@u@v.w"


def test_mastodon_counts_indic_conjuncts_as_ruby_3_4_does_so_never_fewer_than_the_server() -> None:
    # Ruby 3.4 (Mastodon's) has Unicode 15.0 grapheme rules: न|म|स्|ते and क्|ष|त्|रि|य.
    assert grapheme_count("नमस्ते") == 3 and mastodon_length("नमस्ते") == 4
    assert grapheme_count("क्षत्रिय") == 3 and mastodon_length("क्षत्रिय") == 5
    assert mastodon_length("สวัสดี") == 4 and mastodon_length(unicodedata.normalize("NFD", "한국어")) == 3


def test_bluesky_counts_graphemes_as_atproto_does() -> None:
    # bluesky-social/atproto packages/lex/lex-data/src/utf8-grapheme-len.test.ts
    assert bluesky_length("a~öñ©⽘☎𓋓😀👨‍👩‍👧‍👧") == 10
    assert bluesky_length("नमस्ते") == 3


def test_a_290_grapheme_hindi_post_fits_bluesky() -> None:
    text = "".join(graphemes("नमस्ते दुनिया। " * 40)[:290])
    assert grapheme_count(text) == 290 and len(text) > 300
    assert bluesky_length(text) == 290


def test_bluesky_length_is_over_300_exactly_when_a_lexicon_cap_is_broken() -> None:
    heavy = "👨‍👩‍👧‍👦"  # one grapheme, 25 bytes
    assert bluesky_length(heavy * 120) == 300 and len((heavy * 120).encode()) == 3000
    assert bluesky_length(heavy * 121) > 300 and grapheme_count(heavy * 121) == 121


def test_every_unit_has_exactly_one_measure() -> None:
    assert set(MEASURES) == set(LengthUnit)
    assert measure("日本", "x_weighted") == measure("日本", LengthUnit.x_weighted) == 4


unicode_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=400)


@settings(deadline=None, max_examples=300)
@given(unicode_text, st.sampled_from(list(LengthUnit)))
def test_counting_any_unicode_never_crashes_and_never_goes_below_zero(text: str, unit: LengthUnit) -> None:
    assert (measure(text, unit) == 0) == (text == "")


@settings(deadline=None, max_examples=200)
@given(
    st.lists(
        st.sampled_from(
            [
                "a",
                "é",
                "e\u0301",
                "👩\u200d💻",
                "🇫🇷",
                "न",
                "्",
                "क",
                "ि",
                "ก",
                "ั",
                "\u1100",
                "\u1161",
                "\u11a8",
                " ",
                "\u200f",
                "مرحبا",
                "\u0308",
            ]
        ),
        max_size=200,
    )
)
def test_bluesky_length_never_undercounts_its_two_caps(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert bluesky_length(text) >= grapheme_count(text)
    assert bluesky_length(text) * 10 >= len(text.encode("utf-8"))
