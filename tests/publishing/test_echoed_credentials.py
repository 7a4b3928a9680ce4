"""Platforms that quote a credential back in an error: each failure is still visible in the thread
and on the draft, and the credential is nowhere — not in the thread note, the publication row, the
outbox, the audit trail or a log line (the autouse leak check reads all of them)."""

from __future__ import annotations

from urllib.parse import quote

from bot.blocks import action_ids
from tests.destinations.fakes.mastodon import FakeMastodon
from tests.destinations.fakes.webhook import FakeWebhook
from tests.e2e.conftest import shows, wait_for_draft
from tests.publishing.conftest import approve, audit_kinds, desk, notes, publications, shown_and_stored, until

TEXT = "Our credentials stay ours, even when a platform repeats them back to us. #Signoff"
MASTODON_TOKEN = "mastodon-TOKEN-0a1b2c3d4e5f"
# With characters that JSON, percent-encoding and our own Slack escaping all write differently.
WEBHOOK_SECRET = "whsec/SECRET+1f2e&3d4c"


def _only(items: list[str], text: str) -> str:
    found = [item for item in items if text in item]
    assert len(found) == 1, f"expected one note with {text!r}, got {items}"
    return found[0]


async def test_a_mastodon_401_that_quotes_the_token_fails_visibly_without_it(database_url: str, redis_url: str) -> None:
    async with (
        FakeMastodon(token=MASTODON_TOKEN) as mastodon,
        desk(
            database_url,
            redis_url,
            ["mastodon"],
            text=TEXT,
            mastodon_base_url=mastodon.url,
            mastodon_token=MASTODON_TOKEN,
        ) as stack,
    ):
        mastodon.fail_next(
            401, path="/api/v1/statuses", body={"error": f"The access token is invalid (Bearer {MASTODON_TOKEN})"}
        )
        draft = await approve(stack)
        await until(stack.slack, draft, "Failed", timeout_s=30)
        note = _only(notes(stack.slack, draft), "Mastodon: failed")
    assert "Mastodon refused the post (401)" in note and "[redacted]" in note
    (row,) = await publications(database_url)
    assert row.status == "failed" and "The access token is invalid (Bearer [redacted])" in (row.error or "")
    failures = [detail for kind, _, detail in await audit_kinds(database_url) if kind == "publish_failed"]
    assert failures and "[redacted]" in failures[0]["error"]
    assert not mastodon.posts


async def test_a_webhook_that_quotes_its_secret_in_a_500_and_a_401_fails_visibly_without_it(
    database_url: str, redis_url: str
) -> None:
    async with (
        FakeWebhook(WEBHOOK_SECRET) as hook,
        desk(
            database_url, redis_url, ["webhook"], text=TEXT, webhook_url=hook.hook_url, webhook_secret=WEBHOOK_SECRET
        ) as stack,
    ):
        # A debugging receiver: the 500 shows its configuration in an HTML page, the 401 in JSON.
        hook.fail_next(
            500,
            path="/hook",
            headers={"Retry-After": "1"},
            body=f"<html><body><pre>secret: {WEBHOOK_SECRET}\ncheck: "
            f"https://hooks.example/verify/{quote(WEBHOOK_SECRET, safe='')}</pre></body></html>",
        )
        hook.fail_next(401, path="/hook", body={"error": "signature does not match", "secret": WEBHOOK_SECRET})
        draft = await approve(stack)
        await until(stack.slack, draft, "Failed", timeout_s=30)
        note = _only(notes(stack.slack, draft), "Webhook: failed")
    assert "webhook refused the post (401)" in note and "[redacted]" in note
    (row,) = await publications(database_url)
    assert row.status == "failed" and row.attempts == 2 and "[redacted]" in (row.error or "")
    kinds = [kind for kind, _, _ in await audit_kinds(database_url)]
    assert "publish_retry" in kinds and "publish_failed" in kinds
    assert not hook.posts


async def test_a_slack_api_error_that_quotes_the_bot_token_fails_visibly_without_it(
    database_url: str, redis_url: str
) -> None:
    async with desk(database_url, redis_url, ["slack"], text=TEXT, slack_publish_channel="C_ANNOUNCE") as stack:
        await stack.user("U_CAROL").slash("/draft", "how the audit trail works")
        draft = await wait_for_draft(stack.slack, 1, timeout_s=20)
        await shown_and_stored(stack, 1)
        # The next chat.postMessage is the destination's: approval only updates the draft message.
        token = stack.slack.bot_token
        stack.slack.fail_next(
            "chat.postMessage",
            status=200,
            body={"ok": False, "error": f"token_revoked: {token} (see https://api.slack.com/?token={quote(token)})"},
        )
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await until(stack.slack, draft, "Failed", timeout_s=30)
        note = _only(notes(stack.slack, draft), "Slack: failed")
        assert not stack.slack.channel_messages("C_ANNOUNCE")
    assert "Slack chat.postMessage failed: token_revoked: [redacted]" in note
    assert shows(draft, "Failed")
    (row,) = await publications(database_url)
    assert row.status == "failed" and "token_revoked: [redacted]" in (row.error or "")
