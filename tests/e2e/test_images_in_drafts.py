"""Images in a draft, through the real bot and worker with the local Slack: a photo shared in the
thread becomes a new revision, an approval of the older one is refused, alt text is set in its
dialog (and checked like text), and the webhook receives the cleaned image — no EXIF, no GPS."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import io
import json
import time
from typing import Any

import redis as redis_sync
from PIL import Image as PILImage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import action_ids
from launch.local_slack.server import Message
from launch.local_slack.signing import signed_headers
from launch.local_slack.stack import LocalStack
from storage import media
from storage.db import create_engine, create_sessionmaker
from storage.models import Draft, OutboxJob, Publication
from storage.runs import revision_sha256
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.test_thread_comments import eventually_comments
from tests.e2e.test_webhook_publish import SECRET, Receiver

Sessions = async_sessionmaker[AsyncSession]
SECRET_PLACE = b"Hidden Valley Road 7, GPS 52.5200N 13.4050E"


def photo_with_gps() -> bytes:
    """A JPEG as a phone writes it: EXIF with a description, a camera serial and GPS coordinates."""
    exif = PILImage.Exif()
    exif[0x010E] = SECRET_PLACE.decode()  # ImageDescription
    exif[0xA431] = "SERIAL-1234567"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)}  # GPSInfo
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    raw = out.getvalue()
    assert SECRET_PLACE in raw and PILImage.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    return raw


async def share_in_thread(
    stack: LocalStack, user: str, draft: Message, name: str, data: bytes, mimetype: str, *, redeliveries: int = 0
) -> None:
    """As Slack delivers a reply with a file: a `file_share` message event naming the file (and,
    with `redeliveries`, the same event again, as Slack retries it)."""
    file = stack.slack.add_file(name, data, mimetype=mimetype, user=user)
    ts = stack.slack.add_user_message(draft.channel, "", user=user, thread_ts=draft.thread_ts)
    envelope = {
        "token": "legacy-verification-token",
        "team_id": stack.slack.team_id,
        "api_app_id": "A_SIGNOFF",
        "type": "event_callback",
        "event_id": f"EvFile{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "subtype": "file_share",
            "channel": draft.channel,
            "user": user,
            "text": "",
            "ts": ts,
            "thread_ts": draft.thread_ts,
            "channel_type": "channel",
            "event_ts": ts,
            "files": [
                {
                    k: file[k]
                    for k in (
                        "id",
                        "name",
                        "title",
                        "mimetype",
                        "filetype",
                        "user",
                        "size",
                        "url_private",
                        "url_private_download",
                    )
                }
            ],
            "upload": False,
        },
        "authorizations": [
            {
                "team_id": stack.slack.team_id,
                "user_id": stack.slack.bot_user_id,
                "is_bot": True,
                "enterprise_id": None,
                "is_enterprise_install": False,
            }
        ],
    }
    body = json.dumps(envelope).encode()
    for attempt in range(redeliveries + 1):
        headers = signed_headers(stack.user(user).secret, body, content_type="application/json")
        if attempt:
            headers.update({"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"})
        reply = await stack.user(user)._post(body, headers)
        assert reply.status == 200


async def test_a_shared_photo_is_approved_with_its_alt_text_and_reaches_the_webhook_clean(
    database_url: str, redis_url: str
) -> None:
    receiver = Receiver()
    runner = await receiver.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            webhook_url=receiver.url,
            webhook_secret=SECRET,
            signoff_destinations=["webhook"],
            signoff_admins=["U_ADMIN"],
            signoff_sweep_interval_s=0.5,
        ) as stack:
            await stack.user("U_ADMIN").slash("/signoff", "config set blocked_terms moonshot")
            await stack.user("U_CAROL").slash("/draft", "our new search page")
            draft = await wait_for_draft(stack.slack)
            before = copy.deepcopy(draft)  # the message as an approver saw it at revision 1

            await share_in_thread(stack, "U_CAROL", draft, "photo.jpg", photo_with_gps(), "image/jpeg")
            await stack.slack.wait_for(lambda: shows(draft, "revision 2") and shows(draft, "🖼 1: photo.jpg"), 20)
            assert shows(draft, "64×48") and shows(draft, "no alt text yet")
            downloads = stack.slack.calls_to("files-pri")
            assert len(downloads) == 1 and stack.slack.calls_to("files.info")

            # The approval of revision 1 binds its text without the photo: refused.
            await stack.user("U_ALICE").click(before, action_ids.APPROVE)
            refusal = await stack.slack.wait_for(
                lambda: [e for e in stack.slack.ephemerals if e.get("user") == "U_ALICE"], 10
            )
            assert "changed after this message was shown" in refusal[0]["text"]

            # Alt text in its dialog; a blocked term comes back inside the dialog.
            opened = len(stack.slack.views)
            await stack.user("U_ALICE").click(draft, action_ids.ALT_TEXT)
            modal = (await stack.slack.wait_for(lambda: stack.slack.views[opened:], 10))[0]
            answer = (await stack.user("U_ALICE").submit_view(modal, {"alt_0": "Our moonshot, in red"})).json()
            assert answer["response_action"] == "errors" and "moonshot" in answer["errors"]["alt_0"]
            alt = 'A red rectangle: the new <search> page & its "button"'
            reply = await stack.user("U_ALICE").submit_view(modal, {"alt_0": alt})
            assert reply.status == 200 and "errors" not in reply.body
            await stack.slack.wait_for(lambda: shows(draft, "revision 3"), 10)
            assert shows(draft, "alt: A red rectangle: the new &lt;search&gt; page &amp; its")
            assert shows(draft, "characters, 1 image) will be published")  # Approve's confirmation says so

            await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
            await stack.slack.wait_for(lambda: "Published" in str(draft.blocks) or "failed" in str(draft.blocks), 20)
    finally:
        await runner.cleanup()

    ((_headers, body),) = receiver.hits
    payload = json.loads(body)
    (image,) = payload["images"]
    data = base64.b64decode(image["data_base64"])
    assert image["sha256"] == hashlib.sha256(data).hexdigest() and image["alt"] == alt
    assert SECRET_PLACE not in data and b"SERIAL-1234567" not in data and b"Exif" not in data
    assert not PILImage.open(io.BytesIO(data)).getexif()

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            row = await session.scalar(select(Draft))
            assert row is not None
            (item,) = await media.media_of(session, row.id, 3)
            (publication,) = await session.scalars(select(Publication))
    finally:
        await engine.dispose()
    assert row.approved_revision == 3 and item.sha256 == image["sha256"] and item.alt == alt
    # Approve bound text + image + alt text; the publication row keeps the hash of the text it sent.
    assert row.approved_sha256 == revision_sha256(payload["text"], [(item.sha256, alt)])
    assert publication.sha256 == hashlib.sha256(payload["text"].encode()).hexdigest()


async def test_a_strangers_image_is_a_comment_and_is_not_fetched(stack: LocalStack, sessionmaker: Sessions) -> None:
    await stack.user("U_CAROL").slash("/draft", "docs week")
    draft = await wait_for_draft(stack.slack)
    await share_in_thread(stack, "U_MALLORY", draft, "meme.png", photo_with_gps(), "image/png")
    [comment] = await eventually_comments(sessionmaker, 1)
    assert comment.actor == "U_MALLORY" and comment.detail["for_writer"] is False
    await asyncio.sleep(1.0)  # time for a job that should not exist
    assert not stack.slack.calls_to("files.info") and not stack.slack.calls_to("files-pri")
    assert shows(draft, "revision 1") and not shows(draft, "revision 2")


async def test_a_redelivered_share_attaches_once_and_a_file_that_is_no_image_is_explained(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "docs week")
    draft = await wait_for_draft(stack.slack)
    await share_in_thread(stack, "U_ALICE", draft, "photo.jpg", photo_with_gps(), "image/jpeg", redeliveries=2)
    await stack.slack.wait_for(lambda: shows(draft, "revision 2"), 20)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    await share_in_thread(stack, "U_ALICE", draft, "logo.svg", svg, "image/svg+xml")

    thread = draft.thread_ts
    assert thread is not None

    def noted() -> list[str]:
        return [m.text for m in stack.slack.thread(draft.channel, thread) if "Not attached" in m.text]

    (note,) = await stack.slack.wait_for(noted, 20)
    assert "logo.svg" in note and "SVG images are not accepted" in note
    await asyncio.sleep(0.5)
    assert shows(draft, "revision 2") and not shows(draft, "revision 3") and not shows(draft, "🖼 2")
    assert len(stack.slack.calls_to("files-pri")) == 2  # the photo once, whatever the redeliveries; the SVG


async def submit_with_removals(
    stack: LocalStack, user: str, view: dict[str, Any], alts: dict[str, str], remove: list[int]
) -> None:
    """Submit the dialog as Slack does when alt texts were typed and removal boxes ticked."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        if element["type"] == "checkboxes":
            chosen = [o for o in element["options"] if int(o["value"]) in remove]
            state[block["block_id"]] = {"value": {"type": "checkboxes", "selected_options": chosen}}
        else:
            state[block["block_id"]] = {
                "value": {"type": element["type"], "value": alts.get(block["block_id"], element.get("initial_value"))}
            }
    payload = {
        "type": "view_submission",
        "team": {"id": stack.slack.team_id, "domain": "local"},
        "user": {"id": user, "username": user, "name": user, "team_id": stack.slack.team_id},
        "api_app_id": "A_SIGNOFF",
        "token": "legacy-verification-token",
        "trigger_id": f"{int(time.time())}.local",
        "view": {
            **view,
            "team_id": stack.slack.team_id,
            "state": {"values": state},
            "hash": f"{int(time.time())}.local",
            "app_id": "A_SIGNOFF",
            "bot_id": "B_SIGNOFF",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    reply = await stack.user(user).send_interaction(payload)
    assert reply.status == 200 and "errors" not in reply.body


async def test_an_image_removed_in_the_dialog_leaves_a_revision_with_the_others(
    stack: LocalStack, sessionmaker: Sessions
) -> None:
    await stack.user("U_CAROL").slash("/draft", "docs week")
    draft = await wait_for_draft(stack.slack)
    await share_in_thread(stack, "U_CAROL", draft, "first.jpg", photo_with_gps(), "image/jpeg")
    await stack.slack.wait_for(lambda: shows(draft, "revision 2"), 20)
    out = io.BytesIO()
    PILImage.new("RGB", (30, 20), "blue").save(out, "PNG")
    await share_in_thread(stack, "U_CAROL", draft, "second.png", out.getvalue(), "image/png")
    await stack.slack.wait_for(lambda: shows(draft, "revision 3") and shows(draft, "🖼 2: second.png"), 20)

    opened = len(stack.slack.views)
    await stack.user("U_BOB").click(draft, action_ids.ALT_TEXT)
    modal = (await stack.slack.wait_for(lambda: stack.slack.views[opened:], 10))[0]
    await submit_with_removals(stack, "U_BOB", modal, {"alt_1": "A blue square"}, remove=[0])
    await stack.slack.wait_for(lambda: shows(draft, "revision 4"), 20)
    assert shows(draft, "🖼 1: second.png") and not shows(draft, "first.jpg") and shows(draft, "alt: A blue square")
    async with sessionmaker() as session:
        (item,) = await media.media_of(session, 1, 4)
    assert (item.position, item.name, item.alt) == (0, "second.png", "A blue square")


async def test_a_share_acknowledged_while_no_worker_runs_and_redis_lost_it_is_attached_later(
    stack: LocalStack, sessionmaker: Sessions, redis_url: str
) -> None:
    await stack.user("U_CAROL").slash("/draft", "docs week")
    draft = await wait_for_draft(stack.slack)
    await stack.stop_worker()
    await share_in_thread(stack, "U_CAROL", draft, "photo.jpg", photo_with_gps(), "image/jpeg")
    # Acknowledged means recorded: the intent is in the database, whatever happens to Redis now.
    async with sessionmaker() as session:
        (row,) = await session.scalars(select(OutboxJob).where(OutboxJob.job == "attach_media"))
    assert row.status == "pending" and [f["name"] for f in row.args["files"]] == ["photo.jpg"]
    redis_sync.Redis.from_url(redis_url).flushdb()
    await stack.start_worker()  # its sweep finds the row arq no longer has
    await stack.slack.wait_for(lambda: shows(draft, "revision 2") and shows(draft, "🖼 1: photo.jpg"), 20)
