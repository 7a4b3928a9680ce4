"""When the draft arrives in its thread, the channel message above it already says it waits for
approval: the demo (and anyone watching the channel) never reads "Drafting · queued" over a draft."""

from __future__ import annotations

from pathlib import Path

from launch.local_slack.stack import LocalStack
from tests.bot.processes import signoff
from tests.e2e.conftest import wait_for_draft


async def test_the_parent_is_updated_before_the_draft_is_posted(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url) as stack:
        await stack.user("U_CAROL").slash("/draft", "release notes for 2.4")
        draft = await wait_for_draft(stack.slack)
        calls = list(stack.slack.calls)
    parent_ts = draft.thread_ts
    draft_post = next(
        i for i, c in enumerate(calls) if c.method == "chat.postMessage" and c.args.get("thread_ts") == parent_ts
    )
    parent_renderings = [
        str(c.args.get("blocks"))
        for c in calls[:draft_post]
        if (c.method == "chat.postMessage" and not c.args.get("thread_ts"))
        or (c.method == "chat.update" and c.args.get("ts") == parent_ts)
    ]
    assert "Waiting for approval" in parent_renderings[-1], parent_renderings


def test_the_demo_shows_the_parent_waiting_for_approval_above_the_draft(tmp_path: Path) -> None:
    demo = signoff("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    lines = demo.stdout.splitlines()
    parent = next(i for i, line in enumerate(lines) if "Signoff    *Draft #1* for @carol" in line)
    assert "Waiting for approval" in lines[parent + 1], "\n".join(lines[parent : parent + 3])
