"""Alt text is required before Approve where the destination takes it: a photo shared for a
Mastodon post holds the draft until its alt text is set, then goes out once, uploaded with it."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from bot.blocks import action_ids
from launch.local_slack.user import NoSuchButton
from tests.destinations.fakes.mastodon_media import FakeMastodonMedia
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.test_images_in_drafts import SECRET_PLACE, photo_with_gps, share_in_thread
from tests.publishing.conftest import SENTENCE, desk, shown_and_stored, until

ONE_POST = SENTENCE.format(n="one")


async def test_a_photo_for_mastodon_waits_for_its_alt_text_then_goes_out_once_with_it(
    database_url: str, redis_url: str
) -> None:
    fake = FakeMastodonMedia(polls_to_process=1)
    async with (
        fake,
        desk(
            database_url, redis_url, ["mastodon"], text=ONE_POST, mastodon_base_url=fake.url, mastodon_token=fake.token
        ) as stack,
    ):
        await stack.user("U_CAROL").slash("/draft", "how the audit trail works")
        draft = await wait_for_draft(stack.slack, timeout_s=20)
        await shown_and_stored(stack)
        await share_in_thread(stack, "U_CAROL", draft, "photo.jpg", photo_with_gps(), "image/jpeg")
        await until(
            stack.slack,
            draft,
            "revision 2",
            "image 1 needs alt text for Mastodon",
            "Mastodon: 1 image, alt text needed for image 1",
        )
        try:
            await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
            raise AssertionError("a draft whose image has no alt text offered Approve")
        except NoSuchButton:
            pass

        opened = len(stack.slack.views)
        await stack.user("U_ALICE").click(draft, action_ids.ALT_TEXT)
        modal = (await stack.slack.wait_for(lambda: stack.slack.views[opened:], 10))[0]
        reply = await stack.user("U_ALICE").submit_view(modal, {"alt_0": "A red rectangle"})
        assert reply.status == 200 and "errors" not in reply.body
        await until(stack.slack, draft, "revision 3", "Mastodon: 1 image with alt text")
        assert not shows(draft, "needs alt text")

        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await until(stack.slack, draft, "mastodon: published", "Published")
    (post,) = fake.posts
    (attachment,) = post["media_attachments"]
    assert attachment["description"] == "A red rectangle" and len(fake.media) == 1
    data = fake.files[attachment["id"]]
    assert SECRET_PLACE not in data and not PILImage.open(io.BytesIO(data)).getexif()
