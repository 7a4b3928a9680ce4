"""The pipeline counts length exactly as the destination that will publish the text does."""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from destinations.base import Post
from destinations.bluesky import Bluesky
from destinations.lengths import grapheme_count, graphemes, measure, measure_for
from destinations.mastodon import Mastodon
from destinations.x import X
from pipeline.base import DestinationCapabilities, DestinationPlan, DraftBrief, LengthUnit, PipelineState, RunContext
from pipeline.edits import HumanTextRules
from pipeline.length import NoMeasure, counter, trim_to
from pipeline.shape import Budget
from pipeline.stages.policy import check_draft, length_problems
from pipeline.stages.write import make_write

HINDI_290 = "".join(graphemes("नमस्ते दुनिया। आज हम क्षमता और प्रशिक्षण की बात करेंगे। " * 20)[:290])
THAI_290 = "".join(graphemes("สวัสดีครับ วันนี้เราจะคุยเรื่องน้ำและการทำงาน " * 20)[:290])
KOREAN = "한국어 텍스트를 분해된 자모로 씁니다 " * 20
KOREAN_NFD_290 = unicodedata.normalize("NFD", "".join(graphemes(KOREAN)[:290]))
KOREAN_NFD_140 = unicodedata.normalize("NFD", "".join(graphemes(KOREAN)[:140]))


def _destinations() -> dict[str, Any]:
    http = httpx.AsyncClient()
    return {
        "x": X("k", "s", "t", "ts", api_url="http://unused"),
        "mastodon": Mastodon("http://unused", "t", http),
        "bluesky": Bluesky("h.bsky.social", "p", http),
    }


def _brief(*names: str) -> DraftBrief:
    destinations = _destinations()
    return DraftBrief(
        topic="t",
        destinations=list(names),
        capabilities={
            name: DestinationCapabilities(
                max_length=destinations[name].capabilities.max_length,
                length_unit=destinations[name].capabilities.length_unit.value,
            )
            for name in names
        },
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [("bluesky", HINDI_290), ("bluesky", THAI_290), ("bluesky", KOREAN_NFD_290), ("x", KOREAN_NFD_140)],
    ids=["hindi-bluesky", "thai-bluesky", "korean-nfd-bluesky", "korean-nfd-x"],
)
def test_a_post_the_platform_accepts_is_neither_called_too_long_nor_trimmed(name: str, text: str) -> None:
    brief = _brief(name)
    # Over the limit in code points, within it as the platform counts.
    assert len(text) > brief.capabilities[name].max_length  # type: ignore[operator]
    assert check_draft(brief, text, [], measure=measure).ok
    budget = Budget.of(
        {
            name: DestinationPlan(
                destination=name,
                max_length=brief.capabilities[name].max_length,
                length_unit=brief.capabilities[name].length_unit,
            )
        },
        measure=measure,
    )
    assert budget.accepts(text) and budget.fit(text) == text
    assert len(_destinations()[name].format(Post(1, 1, text, "h", "U"))) == 1


async def test_the_model_writer_keeps_a_hindi_draft_that_fits_bluesky_untrimmed() -> None:
    class Model:
        model = "fake"

        async def chat(self, messages, **kw):  # type: ignore[no-untyped-def]
            return type("Reply", (), {"text": HINDI_290, "model": "fake", "tokens_in": 1, "tokens_out": 1})()

    state = await make_write(Model())(RunContext(measure=measure), PipelineState(brief=_brief("bluesky")))  # type: ignore[arg-type]
    assert state.text == HINDI_290 and not state.warnings


def test_a_human_edit_is_held_to_the_platforms_count_too() -> None:
    plans = {
        "bluesky": DestinationPlan(destination="bluesky", max_length=300, length_unit=LengthUnit.graphemes).model_dump(
            mode="json"
        )
    }
    assert HumanTextRules(measure).check_edit(HINDI_290, {"plans": plans}, []).ok
    longer = HINDI_290 + " और एक वाक्य जो इसे लंबा बनाता है।"
    verdict = HumanTextRules(measure).check_edit(longer, {"plans": plans}, [])
    assert verdict.problems == [f"Too long for bluesky: {grapheme_count(longer)}/300 characters."]
    assert grapheme_count(longer) < len(longer)


def test_without_the_destinations_measure_a_platform_unit_is_refused_not_guessed() -> None:
    plans = {"x": DestinationPlan(destination="x", max_length=280, length_unit=LengthUnit.x_weighted)}
    with pytest.raises(NoMeasure, match="x_weighted"):
        length_problems("hello", plans)
    assert length_problems("hello", {"w": DestinationPlan(destination="w", max_length=3)}) == [
        "Too long for w: 5/3 characters."
    ]


_TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=700),
    st.lists(
        st.sampled_from(
            [
                "word ",
                "日本語",
                "😀",
                "👩\u200d💻",
                "🇫🇷",
                "e\u0301",
                "नमस्ते ",
                "क्ष",
                "สวัสดี",
                "\u1112\u1161\u11ab",
                "مرحبا ",
                "https://example.com/a/b ",
                "@a@b.social ",
                ". ",
                "\n\n",
                "#tag ",
            ]
        ),
        max_size=200,
    ).map("".join),
)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.sampled_from(["x", "mastodon", "bluesky"]))
def test_the_policy_says_too_long_exactly_when_the_publisher_would_need_a_second_part(text: str, name: str) -> None:
    destination = _destinations()[name]
    text = text.strip()
    plan = DestinationPlan(
        destination=name,
        max_length=destination.capabilities.max_length,
        length_unit=destination.capabilities.length_unit.value,
    )
    too_long = bool(length_problems(text, {name: plan}, measure))
    assert plan.max_length is not None
    assert too_long == (measure_for(destination.capabilities.length_unit)(text) > plan.max_length)
    if text:
        assert too_long == (len(destination.format(Post(1, 1, text, "h", "U"))) > 1)


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.sampled_from(list(LengthUnit)), st.integers(min_value=0, max_value=400))
def test_a_trimmed_text_always_fits_and_is_a_prefix_of_the_original(text: str, unit: LengthUnit, limit: int) -> None:
    count = counter(measure, unit)
    trimmed = trim_to(text, limit, count)
    assert count(trimmed) <= limit
    assert trimmed == text or text.startswith(trimmed.removesuffix("…"))


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.integers(min_value=1, max_value=4))
def test_the_writers_budget_always_ends_with_a_text_every_destination_accepts(text: str, parts: int) -> None:
    plans = {
        "x": DestinationPlan(
            destination="x", form="thread", parts=parts, max_length=280, length_unit=LengthUnit.x_weighted
        ),
        "bluesky": DestinationPlan(destination="bluesky", max_length=300, length_unit=LengthUnit.graphemes),
        "mastodon": DestinationPlan(destination="mastodon", max_length=500, length_unit=LengthUnit.mastodon),
    }
    budget = Budget.of(plans, style_max=None, measure=measure)
    fitted = budget.fit(text)
    assert budget.accepts(fitted) or fitted == ""
