"""The local Slack's page in a real browser: a whole conversation typed and clicked as people do it,
reaching the real bot and worker as signed Slack requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.blocks import action_ids
from bot.settings import load_settings
from launch.local_page import send_digest, stack_for
from launch.local_slack.server import LocalSlack, Message
from launch.local_slack.web import Page
from tests.e2e.browser import launch, needs_browser

pytestmark = needs_browser
TIMEOUT_MS = 30_000


@pytest.fixture
async def page_url(database_url: str, redis_url: str) -> AsyncIterator[str]:
    settings = load_settings(signoff_fetch_topic_urls=False)
    async with stack_for(settings, database_url, redis_url) as stack:
        page = Page(stack.slack, bot_url=lambda: stack.bot_url, signing_secret=stack.signing_secret)
        url = await page.start()
        try:
            yield url
        finally:
            await page.stop()


async def test_draft_edit_and_approve_in_the_browser_ends_in_a_publication(page_url: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            tab = await browser.new_page(viewport={"width": 1280, "height": 900})
            tab.set_default_timeout(TIMEOUT_MS)
            await tab.goto(page_url + "/?as=U_CAROL")
            await expect(tab.locator("#connection")).to_have_text("live")

            await tab.fill("#compose", "/draft what we shipped this week: faster search and a new CLI")
            await tab.press("#compose", "Enter")
            answer = tab.locator("#messages .message.ephemeral")
            await expect(answer).to_contain_text("drafting #1")
            await expect(answer).to_contain_text("Only visible to you")

            await tab.locator("#messages .thread-link").first.click()
            thread = tab.locator("#thread-messages")
            draft = thread.locator(".message", has_text="Draft #1 ·").last
            await expect(draft.locator(f"[data-action-id={action_ids.APPROVE}]")).to_be_visible()

            await draft.locator(f"[data-action-id={action_ids.EDIT}]").click()
            modal = tab.locator("#overlay .modal")
            await expect(modal).to_contain_text("Edit draft #1")
            # The app's validation error (response_action: errors) shows under the input; the modal stays.
            await modal.locator("textarea").fill("Search is faster\u200b now.")
            await modal.locator("[data-submit]").click()
            await expect(modal.locator(".input-error")).to_contain_text("invisible")
            await modal.locator("textarea").fill("Search is faster now, and the new CLI is out. Try both!")
            await modal.locator("[data-submit]").click()
            await expect(tab.locator("#overlay")).to_be_hidden()
            await expect(thread).to_contain_text("revision 2")
            await expect(thread).to_contain_text("the new CLI is out")

            # carol may edit her draft but not approve it: the refusal is hers alone, in the thread.
            await (
                thread.locator(".message", has_text="revision 2")
                .locator(f"[data-action-id={action_ids.APPROVE}]")
                .click()
            )
            await tab.locator("#confirm-overlay [data-confirm]").click()
            await expect(thread.locator(".message.ephemeral")).to_contain_text("not allowed")

            await tab.select_option("#you", "U_ALICE")
            await expect(thread.locator(".message.ephemeral")).to_have_count(0)
            await expect(tab.locator("#you")).to_have_value("U_ALICE")
            approve = tab.locator(f"[data-action-id={action_ids.APPROVE}]")
            draft = thread.locator(".message", has_text="revision 2", has=approve)
            draft_ts = await draft.get_attribute("data-ts")
            await draft.locator(approve).click()
            await tab.locator("#confirm-overlay [data-confirm]").click()
            # The same message, updated in place: its buttons go, the publication line comes.
            await expect(thread.locator(f'[data-ts="{draft_ts}"]')).to_contain_text("dryrun: published")

            shot = tmp_path / "local-slack-page.png"
            await tab.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        finally:
            await browser.close()


async def test_the_digest_links_to_the_draft_and_a_mention_in_the_thread_gets_eyes(
    database_url: str, redis_url: str
) -> None:
    from playwright.async_api import async_playwright, expect

    settings = load_settings(signoff_fetch_topic_urls=False)
    async with stack_for(settings, database_url, redis_url) as stack:
        page = Page(
            stack.slack,
            bot_url=lambda: stack.bot_url,
            signing_secret=stack.signing_secret,
            tools={"Send the digest now": lambda: send_digest(stack)},
        )
        url = await page.start()
        async with async_playwright() as playwright:
            browser = await launch(playwright)
            try:
                tab = await browser.new_page(viewport={"width": 1280, "height": 900})
                tab.set_default_timeout(TIMEOUT_MS)
                await tab.goto(url + "/?as=U_BOB")
                await tab.fill("#compose", "/draft our release notes")
                await tab.press("#compose", "Enter")
                await expect(tab.locator("#messages .thread-link")).to_have_text("💬 1 reply")

                await tab.locator("#devpanel summary").first.click()
                await tab.get_by_role("button", name="Send the digest now").click()
                digest = tab.locator("#messages .message", has_text="1 draft is waiting for approval")
                await expect(digest).to_have_count(1)
                await expect(tab.locator("#devpanel")).to_contain_text("Send the digest now")

                # The digest links to the draft's line in the channel: the page scrolls there and marks it.
                await digest.locator("a[href*='/archives/']").first.click()
                await expect(tab.locator("#messages .message.highlight")).to_contain_text("Draft #1 for")

                # A reply mentioning the app asks for a rewrite: Signoff reacts 👀 to it.
                await tab.locator("#messages .thread-link").first.click()
                await tab.fill("#thread-compose", "@signoff shorter please")
                await tab.press("#thread-compose", "Enter")
                reply = tab.locator("#thread-messages .message", has_text="shorter please")
                await expect(reply.locator(".reaction")).to_have_text("👀 1")
            finally:
                await browser.close()
                await page.stop()


HOSTILE = [
    "<script>window.pwned = 1</script>",
    '"><img src=x onerror="window.pwned=1">',
    "<javascript:window.pwned=1|click me>",
    '*<b onmouseover="window.pwned=1">bold</b>*',
    "&lt;img src=x onerror=window.pwned=1&gt;",
    '```</pre><img src=x onerror="window.pwned=1">```',
    '<@U_ALICE"><img src=x onerror=window.pwned=1>>',
    '<!date^x"onload="pwned^{date}|<img src=x>>',
]


@pytest.fixture
async def bare_page() -> AsyncIterator[tuple[LocalSlack, Page]]:
    """The local Slack and its page with no app behind them: what the page shows of what is posted."""
    slack = LocalSlack()
    await slack.start()
    page = Page(slack, bot_url=lambda: "http://127.0.0.1:9", signing_secret="unused")
    await page.start()
    yield slack, page
    await page.stop()
    await slack.stop()


async def test_no_text_in_a_message_becomes_markup_on_the_page(bare_page: tuple[LocalSlack, Page]) -> None:
    """Whatever the app (or a model, or a person) puts in mrkdwn and plain text is shown as text."""
    from playwright.async_api import async_playwright, expect

    slack, page = bare_page
    for text in HOSTILE:
        ts = slack.next_ts()
        slack.messages[("C_GENERAL", ts)] = Message(
            "C_GENERAL",
            ts,
            text,
            [
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {"type": "context", "elements": [{"type": "plain_text", "text": text}]},
                {
                    "type": "actions",
                    "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": text}}],
                },
            ],
        )
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            tab = await browser.new_page()
            await tab.goto(page.url + "/?as=U_CAROL")
            await expect(tab.locator("#messages .message")).to_have_count(len(HOSTILE))
            await tab.locator("#messages .message").last.hover()
            assert await tab.evaluate("window.pwned") is None
            assert (
                await tab.locator(
                    "#messages script, #messages img, #messages [onerror], "
                    "#messages [onmouseover], #messages a[href^='javascript']"
                ).count()
                == 0
            )
        finally:
            await browser.close()


async def test_a_message_slack_would_refuse_is_shown_as_slacks_error(bare_page: tuple[LocalSlack, Page]) -> None:
    from playwright.async_api import async_playwright, expect

    slack, page = bare_page
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        try:
            tab = await browser.new_page()
            await tab.goto(page.url + "/?as=U_ALICE")
            await expect(tab.locator("#connection")).to_have_text("live")
            async with httpx.AsyncClient(trust_env=False) as http:
                answer = (
                    await http.post(
                        slack.api_url + "chat.postMessage",
                        headers={"Authorization": f"Bearer {slack.bot_token}"},
                        json={
                            "channel": "C_GENERAL",
                            "text": "t",
                            "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
                        },
                    )
                ).json()
            assert answer["error"] == "invalid_blocks"
            refusal = tab.locator("#refusals .refusal")
            await expect(refusal).to_contain_text("Slack would refuse chat.postMessage: invalid_blocks")
            await expect(refusal).to_contain_text("must be less than 151 characters [json-pointer:/blocks/0/text/text]")
            await expect(tab.locator("#devpanel li.failed")).to_have_count(1)
        finally:
            await browser.close()
