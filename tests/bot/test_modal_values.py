"""Values that come back from Slack — button values, private_metadata, modal state — are read exactly
when Signoff wrote them, and refused with NotOurValue (never another exception) otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks import draft as blocks
from bot.blocks import modals
from bot.blocks import publications as publication_blocks
from bot.parsing.draft_ids import MAX_ID, NotOurValue
from tests.bot.strategies import free_text, json_values

EXAMPLES = settings(max_examples=100, deadline=None)
json_value = json_values(8)
ids = st.integers(min_value=1, max_value=MAX_ID)
# Tampered values: any text, any JSON, or our own keys holding anything.
ours = st.fixed_dictionaries(
    {},
    optional={
        k: st.one_of(json_value, ids, st.integers(min_value=MAX_ID)) for k in ("d", "r", "h", "c", "m", "p", "t")
    },
)
tampered = st.one_of(free_text(200), json_value.map(json.dumps), ours.map(json.dumps), json_value)
PARSERS: dict[str, Callable[[Any], Any]] = {
    "draft button": blocks.parse_button_value,
    "draft dialog": modals.parse_metadata,
    "publication button": publication_blocks.parse_button_value,
    "publication dialog": publication_blocks.parse_modal_metadata,
}


@EXAMPLES
@given(raw=tampered, which=st.sampled_from(sorted(PARSERS)))
def test_a_tampered_button_value_or_metadata_is_refused_only_with_not_our_value(raw: Any, which: str) -> None:
    try:
        parsed = PARSERS[which](raw)
    except NotOurValue:
        return
    values = parsed.values() if isinstance(parsed, dict) else parsed if isinstance(parsed, tuple) else (parsed,)
    assert all(type(v) is str or (type(v) is int and 0 <= v <= MAX_ID) for v in values)


@EXAMPLES
@given(
    draft_id=ids,
    revision=st.integers(min_value=0, max_value=MAX_ID),
    channel=free_text(80),
    ts=free_text(80),
    sha=free_text(64),
)
def test_what_signoff_writes_reads_back_exactly_whatever_the_text(
    draft_id: int, revision: int, channel: str, ts: str, sha: str
) -> None:
    assert modals.parse_metadata(modals.metadata(draft_id, revision, channel, ts)) == {
        "draft_id": draft_id,
        "revision": revision,
        "channel": channel,
        "message_ts": ts,
    }
    assert blocks.parse_button_value(blocks.button_value(draft_id, revision, sha)) == (draft_id, revision, sha)
    meta = publication_blocks.mark_modal(draft_id, "x", 0, channel=channel, message_ts=ts, handoff=False)
    assert publication_blocks.parse_modal_metadata(meta["private_metadata"]) == (draft_id, channel, ts)


@pytest.mark.parametrize(
    "raw",
    [
        '{"d":"12","r":1,"h":"x"}',
        '{"d":true,"r":1,"h":"x"}',
        '{"d":1.0,"r":1,"h":"x"}',
        '{"d":2147483648,"r":1,"h":"x"}',
        '{"d":1,"r":-1,"h":"x"}',
        '{"d":1,"r":1,"h":5}',
        '{"d":1,"r":1}',
        "[1,2,3]",
        "",
        "payload",
        None,
        12,
    ],
)
def test_button_values_not_in_our_shape_are_not_ours(raw: Any) -> None:
    with pytest.raises(NotOurValue):
        blocks.parse_button_value(raw)


def state_of(fields: dict[str, Any]) -> dict[str, Any]:
    """view.state.values as Slack submits it for plain_text_input elements with action id "value"."""
    return {block: {"value": {"type": "plain_text_input", "value": typed}} for block, typed in fields.items()}


@EXAMPLES
@given(text=free_text(9000))
def test_an_edit_split_across_inputs_reads_back_exactly(text: str) -> None:
    parts = modals.split_for_inputs(text)
    fields = {f"{modals.TEXT_BLOCK_PREFIX}{i}": part for i, part in enumerate(parts)}
    assert modals.submitted_text(state_of(fields)) == text


def test_edit_parts_are_joined_in_number_order_not_text_order() -> None:
    fields = {f"{modals.TEXT_BLOCK_PREFIX}{i}": str(i) for i in (10, 2, 0, 1)}
    assert modals.submitted_text(state_of(fields)) == "01210"


@EXAMPLES
@given(text=free_text(1000))
def test_an_optional_field_reads_back_stripped_with_control_characters_as_spaces(text: str) -> None:
    value = modals.submitted_optional(state_of({modals.FEEDBACK_BLOCK: text}), modals.FEEDBACK_BLOCK)
    expected = "".join(" " if (ord(c) < 32 and c not in "\n\t") or c == "\x7f" else c for c in text).strip()
    assert value == (expected or None)


@EXAMPLES
@given(
    values=st.one_of(
        json_value,
        st.dictionaries(
            st.sampled_from(
                ["feedback", "text_part_0", "text_part_1", "text_part_²", "text_part_١", "text_part_x", "when"]
            ),
            json_value,
        ),
    )
)
def test_any_submitted_state_gives_text_or_not_our_value(values: Any) -> None:
    for read in (
        modals.submitted_text,
        lambda v: modals.submitted_optional(v, modals.FEEDBACK_BLOCK),
        lambda v: modals.state_values({"state": {"values": v}}),
    ):
        try:
            result = read(values)
        except NotOurValue:
            continue
        assert result is None or isinstance(result, (str, dict))
