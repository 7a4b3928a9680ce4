"""Alt text is free text: whatever a person types survives the dialog, is shown escaped (it can
ping nobody and spoof no link), and is stored and hashed byte for byte; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks.media import ALT_INPUT_LIMIT, ImageView, alt_modal, media_context, submitted_alts
from bot.blocks.text import without_control
from storage import media, runs
from storage.media_rules import MediaCheck
from tests.bot.strategies import free_text
from tests.storage.test_draft_media import NOW, Sessions, drafted, png, rev

EXAMPLES = settings(max_examples=150, deadline=None)
# Slack's own markup in mrkdwn: a mention, a channel ping, a link with a label.
SLACK_MARKUP = re.compile(r"<[!@#]|<https?:|<mailto:")


def typed_into(view: dict[str, Any], alts: list[str]) -> dict[str, Any]:
    """The state Slack sends back when `alts` were typed into the dialog's inputs, in order."""
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    return {
        b["block_id"]: {"value": {"type": "plain_text_input", "value": alt or None}}
        for b, alt in zip(inputs, alts, strict=False)
    }


@EXAMPLES
@given(alts=st.lists(free_text(ALT_INPUT_LIMIT), min_size=1, max_size=4))
def test_any_alt_text_survives_the_dialog_and_is_shown_escaped(alts: list[str]) -> None:
    images = tuple(ImageView(n, f"shot {n}.png", 1200, 800, 84_000, "") for n in range(len(alts)))
    view = alt_modal(7, 3, images, "{}")
    back = submitted_alts(typed_into(view, alts), len(alts))
    assert back == [without_control(a).strip() for a in alts]
    shown = media_context(
        tuple(
            ImageView(i.position, i.name, i.width, i.height, i.size, alt) for i, alt in zip(images, back, strict=True)
        ),
        {"X": {"alt_required": True}},
    )
    text = shown[0]["elements"][0]["text"]
    assert len(text) <= 3000 and not SLACK_MARKUP.search(text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alt=free_text(ALT_INPUT_LIMIT))
async def test_any_alt_text_is_stored_and_bound_by_the_hash_exactly(sessionmaker: Sessions, alt: str) -> None:
    alt = without_control(alt).strip()  # what the dialog hands on (PostgreSQL refuses NUL)
    draft_id, _ = await drafted(sessionmaker)
    async with sessionmaker.begin() as session:
        attached = await media.attach(
            session, draft_id=draft_id, images=[png()], user_id="U_REQ", now=NOW, check=MediaCheck()
        )
        base = rev(attached).number
        described = await media.set_alt(
            session, draft_id=draft_id, base_revision=base, alts=[alt], user_id="U_AP", now=NOW
        )
    async with sessionmaker() as session:
        number = described.revision.number if described.revision is not None else base
        (item,) = await media.media_of(session, draft_id, number)
    assert item.alt == alt
    text = rev(attached).text
    expected = runs.revision_sha256(text, [(png().sha256, alt)])
    assert rev(described if described.revision is not None else attached).sha256 == expected
