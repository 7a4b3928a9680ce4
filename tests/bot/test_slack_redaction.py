"""Nothing we send to Slack carries a secret: every Web API call of our client (messages, updates,
ephemerals, modals), and, inside the Bolt app, the per-request client, `say()`, `respond()` through
the response_url and `ack()`. The local Slack records exactly what arrived."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from slack_sdk.errors import SlackApiError

from bot.listeners.deps import BotDeps
from bot.process.app import build_app
from bot.process.server import build_web_app, serve
from bot.queue import Queue, connect
from bot.slack.client import build_slack_client
from destinations.lengths import measure
from launch.local_slack.server import LocalSlack
from launch.local_slack.user import SlackUser
from pipeline.edits import HumanTextRules
from storage.db import create_engine, create_sessionmaker
from storage.redaction import Redactor

KEY = "model-KEY-4f3e2d1c0b"  # shaped like nothing: only its being configured keeps it out
ECHO = f'refused (401): {{"error": "Incorrect API key provided: {KEY}"}} see https://x.example/k/{quote(KEY)}'


@pytest.fixture
async def slack() -> AsyncIterator[LocalSlack]:
    local = LocalSlack(bot_token="xoxb-local-" + secrets.token_hex(6))
    await local.start()
    yield local
    await local.stop()


# What Slack hands back to our listeners: never rewritten, even where a value looks like a token.
METADATA = json.dumps({"draft": 42, "revision": 3, "note": "sk-" + "abcdefghijklmnop"})
BUTTONS: dict[str, Any] = {
    "type": "actions",
    "block_id": "draft-42",
    "elements": [
        {
            "type": "button",
            "action_id": "signoff_approve",
            "value": "42|3|" + "ab" * 32,
            "text": {"type": "plain_text", "text": "Approve"},
        }
    ],
}


def _sent(slack: LocalSlack, method: str) -> str:
    return json.dumps([call.args for call in slack.calls_to(method)])


async def test_every_web_api_call_of_our_client_is_redacted_and_still_authorised(slack: LocalSlack) -> None:
    client = build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor([KEY, slack.bot_token]))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": ECHO}}, BUTTONS]
    posted = await client.chat_postMessage(
        channel="C_GENERAL", text=ECHO, blocks=blocks, metadata={"event_type": "failed", "event_payload": {"why": ECHO}}
    )
    await client.chat_update(channel="C_GENERAL", ts=posted["ts"], text=ECHO, blocks=blocks)
    await client.chat_postEphemeral(channel="C_GENERAL", user="U_ALICE", text=ECHO, attachments=[{"text": ECHO}])
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Why"},
        "private_metadata": METADATA,
        "blocks": blocks + [BUTTONS],
    }
    await client.views_open(trigger_id="1.2.local", view=view)
    for call in (
        client.views_update(view_id="V000001", view=view),
        client.views_push(trigger_id="1.3.local", view=view),
    ):
        with contextlib.suppress(SlackApiError):  # the local Slack may not serve these; it records them
            await call
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update", "views.push"):
        sent = _sent(slack, method)
        assert slack.calls_to(method) and KEY not in sent and quote(KEY) not in sent, method
        assert "[redacted]" in sent, method
    message = slack.messages[("C_GENERAL", posted["ts"])]
    assert message.text.startswith("refused (401)") and message.edits == 1  # the token still worked
    assert message.blocks[1] == BUTTONS and slack.views[0]["private_metadata"] == METADATA  # ids come back intact


@pytest.fixture
async def bolt_app(slack: LocalSlack, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The bot's own Bolt app (build_app), with one extra button whose listener sends `ECHO` every
    way a listener can; the app is served over HTTP and the button clicked with a signed request."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    redactor = Redactor([KEY, slack.bot_token])
    deps = BotDeps(
        sessionmaker=create_sessionmaker(engine, redactor=redactor),
        queue=Queue(connect("redis://127.0.0.1:1")),
        approvers=frozenset(),
        destinations=("dryrun",),
        text_rules=HumanTextRules(measure),
    )
    signing_secret = secrets.token_hex(16)
    client = build_slack_client(slack.bot_token, slack.api_url, redactor=redactor)
    app = build_app(deps, client=client, signing_secret=signing_secret, redactor=redactor)

    async def echo(ack, say, respond, client, body) -> None:  # type: ignore[no-untyped-def]
        await ack(text=ECHO, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": ECHO}}])
        await say(text=ECHO)
        await respond(text=ECHO, response_type="ephemeral")
        await client.chat_postEphemeral(channel=body["channel"]["id"], user=body["user"]["id"], text=ECHO)
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "Echo"},
                "blocks": [{"type": "section", "text": {"type": "plain_text", "text": ECHO}}],
            },
        )

    app.action("echo")(echo)
    runner, port = await serve(build_web_app(app, deps), "127.0.0.1", 0)
    yield SlackUser(slack, f"http://127.0.0.1:{port}", signing_secret, "U_ALICE")
    await runner.cleanup()
    await deps.queue.redis.aclose()
    await engine.dispose()


async def test_in_the_bolt_app_ack_say_respond_and_the_request_client_all_redact(
    slack: LocalSlack, bolt_app: SlackUser
) -> None:
    button = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "echo", "value": "1", "text": {"type": "plain_text", "text": "Echo"}}
        ],
    }
    posted = await build_slack_client(slack.bot_token, slack.api_url, redactor=Redactor()).chat_postMessage(
        channel="C_GENERAL", text="press", blocks=[button]
    )
    reply = await bolt_app.click(slack.messages[("C_GENERAL", posted["ts"])], "echo")
    assert reply.status == 200
    assert KEY not in reply.body and "Incorrect API key provided: [redacted]" in reply.body  # ack()
    await slack.wait_for(lambda: slack.responses and slack.views and slack.ephemerals, 5)
    said = [m.text for m in slack.channel_messages("C_GENERAL")]
    assert said == [
        "press",
        'refused (401): {"error": "Incorrect API key provided: [redacted]"} see https://x.example/k/[redacted]',
    ]
    for what in (slack.responses, slack.ephemerals, slack.views):  # respond(), client, client
        assert KEY not in json.dumps(what) and "[redacted]" in json.dumps(what)
    assert all("team_id" in call.args for call in slack.calls_to("chat.postEphemeral"))  # still the request's client
