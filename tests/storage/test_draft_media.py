"""A draft's images: each change a new revision whose hash binds text, images and alt text; on
SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image as PILImage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from destinations.media.image import load_image
from storage import decisions, edits, intake, media, runs
from storage.decisions import ApprovalRule
from storage.media import MediaSource, NewImage
from storage.media_rules import AltRule, MediaCheck
from storage.models import AuditEvent, Draft, Revision, Run
from storage.transitions import Outcome, Refusal

Sessions = async_sessionmaker[AsyncSession]

NOW = datetime(2026, 11, 29, 9, 0)
X_RULES = MediaCheck(rules={"X": AltRule(alt_required=True, max_alt=1000)})


def png(colour: str = "red", size: tuple[int, int] = (40, 30)) -> NewImage:
    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, "PNG")
    image = load_image(out.getvalue())
    return NewImage(
        data=image.data,
        sha256=image.sha256,
        mime=image.mime,
        width=image.width,
        height=image.height,
        name=f"{colour}.png",
        source=MediaSource.slack_file,
        source_ref=f"F_{colour}",
    )


def rev(outcome: Outcome) -> Revision:
    """The revision a change made (the test fails here when it made none)."""
    assert outcome.revision is not None, outcome
    return outcome.revision


def drf(outcome: Outcome) -> Draft:
    assert outcome.draft is not None, outcome
    return outcome.draft


async def drafted(sessionmaker: Sessions, text: str = "Search is faster now.") -> tuple[int, str]:
    async with sessionmaker.begin() as session:
        accepted = await intake.request_draft(
            session, team_id="T", channel_id="C", user_id="U_REQ", topic="t", destinations=["x"], now=NOW
        )
        run = await runs.start(session, accepted.run_id, now=NOW)
        assert run is not None
        revision = await runs.record_revision(session, run, text=text, policy_ok=True, details={}, stages=[], now=NOW)
    assert revision is not None
    return accepted.draft_id, revision.sha256


async def attach(sessionmaker: Sessions, draft_id: int, *images: NewImage, check: MediaCheck = X_RULES) -> Outcome:
    async with sessionmaker.begin() as session:
        return await media.attach(session, draft_id=draft_id, images=images, user_id="U_REQ", now=NOW, check=check)


async def approve(sessionmaker: Sessions, draft_id: int, revision: int, sha: str) -> Outcome:
    async with sessionmaker.begin() as session:
        return await decisions.approve(
            session, draft_id=draft_id, revision=revision, sha256=sha, user_id="U_AP", now=NOW, rule=ApprovalRule()
        )


async def test_a_revision_without_images_keeps_the_plain_text_hash(sessionmaker: Sessions) -> None:
    _, sha = await drafted(sessionmaker, "Plain text.")
    assert sha == runs.sha256_hex("Plain text.") == runs.revision_sha256("Plain text.", [])


def test_the_hash_covers_every_image_and_its_alt_text_in_order() -> None:
    one, two = ("a" * 64, ""), ("b" * 64, "a chart")
    hashes = {
        runs.revision_sha256("t", []),
        runs.revision_sha256("t", [one]),
        runs.revision_sha256("t", [one, two]),
        runs.revision_sha256("t", [two, one]),
        runs.revision_sha256("t", [one, ("b" * 64, "a chart.")]),
        runs.revision_sha256("u", [one]),
    }
    assert len(hashes) == 6


async def test_attaching_an_image_makes_a_new_revision_and_the_older_one_cannot_be_approved(
    sessionmaker: Sessions,
) -> None:
    draft_id, old_sha = await drafted(sessionmaker)
    outcome = await attach(sessionmaker, draft_id, png(), check=MediaCheck())
    assert outcome.ok and rev(outcome).number == 2 and rev(outcome).text == "Search is faster now."
    assert rev(outcome).sha256 != old_sha
    refused = await approve(sessionmaker, draft_id, 1, old_sha)
    assert not refused.ok and refused.reason is Refusal.stale_revision
    async with sessionmaker() as session:
        (item,) = await media.media_of(session, draft_id, 2)
        assert (item.position, item.name, item.source, item.added_by) == (0, "red.png", "slack_file", "U_REQ")
        assert await media.media_of(session, draft_id, 1) == []
        stored = await media.data_of(session, [item.sha256])
        (event,) = await session.scalars(select(AuditEvent).where(AuditEvent.kind == "media_attached"))
    assert event.detail["revision"] == 2 and event.detail["sha256"] == rev(outcome).sha256
    assert stored[item.sha256] == png().data


async def test_alt_text_is_required_before_approval_where_the_destination_says_so(sessionmaker: Sessions) -> None:
    draft_id, _ = await drafted(sessionmaker)
    attached = await attach(sessionmaker, draft_id, png())
    assert drf(attached).status == "needs_attention"
    assert rev(attached).details["policy"]["problems"] == ["image 1 needs alt text for X"]
    assert (await approve(sessionmaker, draft_id, 2, rev(attached).sha256)).reason is Refusal.needs_attention
    async with sessionmaker.begin() as session:
        described = await media.set_alt(
            session, draft_id=draft_id, base_revision=2, alts=["A red square"], user_id="U_AP", now=NOW
        )
    assert described.ok and drf(described).status == "pending" and rev(described).number == 3
    assert rev(described).sha256 == runs.revision_sha256("Search is faster now.", [(png().sha256, "A red square")])
    assert (await approve(sessionmaker, draft_id, 2, rev(attached).sha256)).reason is Refusal.stale_revision
    assert (await approve(sessionmaker, draft_id, 3, rev(described).sha256)).ok


async def test_a_job_that_runs_twice_attaches_once_and_bytes_are_stored_once(sessionmaker: Sessions) -> None:
    draft_id, _ = await drafted(sessionmaker)
    first = await attach(sessionmaker, draft_id, png(), check=MediaCheck())
    again = await attach(sessionmaker, draft_id, png(), check=MediaCheck())
    assert rev(first).number == 2 and again.ok and again.revision is None
    same_bytes = NewImage(**{**png().__dict__, "source_ref": "F_other", "name": "copy.png"})
    third = await attach(sessionmaker, draft_id, same_bytes, check=MediaCheck())
    async with sessionmaker() as session:
        items = await media.media_of(session, draft_id, rev(third).number)
    assert [i.name for i in items] == ["red.png", "copy.png"] and items[0].sha256 == items[1].sha256


async def test_an_edit_and_a_rewrite_keep_the_images_and_their_rules(sessionmaker: Sessions) -> None:
    draft_id, _ = await drafted(sessionmaker)
    await attach(sessionmaker, draft_id, png())
    async with sessionmaker.begin() as session:
        edited = await edits.record_edit(
            session,
            draft_id=draft_id,
            base_revision=2,
            text="New words.",
            user_id="U_AP",
            policy_ok=True,
            problems=[],
            now=NOW,
        )
    assert edited.ok and not rev(edited).policy_ok  # the image still has no alt text
    assert rev(edited).sha256 == runs.revision_sha256("New words.", [(png().sha256, "")])
    async with sessionmaker.begin() as session:
        await media.set_alt(session, draft_id=draft_id, base_revision=3, alts=["red"], user_id="U_AP", now=NOW)
        assert (
            await edits.request_regenerate(
                session, draft_id=draft_id, base_revision=4, feedback=None, user_id="U_AP", now=NOW
            )
        ).ok
    async with sessionmaker.begin() as session:
        run = (await session.scalars(select(Run).where(Run.draft_id == draft_id, Run.number == 2))).one()
        started = await runs.start(session, run.id, now=NOW)
        assert started is not None
        rewritten = await runs.record_revision(
            session, started, text="Rewritten.", policy_ok=True, details={}, stages=[], now=NOW
        )
    assert rewritten is not None and rewritten.policy_ok
    assert rewritten.sha256 == runs.revision_sha256("Rewritten.", [(png().sha256, "red")])
    async with sessionmaker() as session:
        assert [m.alt for m in await media.media_of(session, draft_id, 5)] == ["red"]


async def test_removing_an_image_renumbers_the_rest_and_a_stale_base_is_refused(sessionmaker: Sessions) -> None:
    draft_id, _ = await drafted(sessionmaker)
    await attach(sessionmaker, draft_id, png("red"), png("blue"), check=MediaCheck())
    async with sessionmaker.begin() as session:
        stale = await media.remove(session, draft_id=draft_id, base_revision=1, position=0, user_id="U_AP", now=NOW)
        removed = await media.remove(session, draft_id=draft_id, base_revision=2, position=0, user_id="U_AP", now=NOW)
    assert stale.reason is Refusal.stale_revision and removed.ok
    async with sessionmaker() as session:
        items = await media.media_of(session, draft_id, 3)
    assert [(i.position, i.name) for i in items] == [(0, "blue.png")]
    assert rev(removed).sha256 == runs.revision_sha256("Search is faster now.", [(png("blue").sha256, "")])


async def test_a_removal_without_a_fresh_check_keeps_what_was_wrong(sessionmaker: Sessions) -> None:
    draft_id, _ = await drafted(sessionmaker)
    devto = MediaCheck(problems=("Dev.to cannot carry this post's 2 images: remove the images or leave Dev.to out",))
    await attach(sessionmaker, draft_id, png("red"), png("blue"), check=devto)
    async with sessionmaker.begin() as session:
        kept = await media.remove(session, draft_id=draft_id, base_revision=2, position=1, user_id="U_AP", now=NOW)
        assert kept.ok and not rev(kept).policy_ok  # still blocked: nothing judged the rest again
        judged = await media.set_alt(
            session,
            draft_id=draft_id,
            base_revision=3,
            alts=["red"],
            remove={0},
            user_id="U_AP",
            now=NOW,
            check=MediaCheck(),
        )
    assert judged.ok and rev(judged).policy_ok and drf(judged).status == "pending"
    assert rev(judged).sha256 == runs.sha256_hex("Search is faster now.")  # no images: the text hash again
    async with sessionmaker.begin() as session:
        wrong = await media.set_alt(
            session, draft_id=draft_id, base_revision=4, alts=[], remove={0}, user_id="U_AP", now=NOW
        )
    assert wrong.reason is Refusal.no_such_image
