"""Build the Bolt app: Slack's request verification plus our explicitly registered listeners."""

from __future__ import annotations

import logging
import uuid

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from bot import log_context
from bot.listeners import actions
from bot.listeners import bulk
from bot.listeners import commands
from bot.listeners import events
from bot.blocks import replies
from bot.listeners import signoff_command
from bot.listeners import views
from bot.listeners import home
from bot.listeners import media
from bot.listeners import publish_actions
from bot.listeners import shortcuts
from bot.listeners.deps import CONTEXT_KEY, BotDeps
from bot.slack.client import redact_outgoing
from storage.redaction import Redactor

log = logging.getLogger("signoff.bot")


class _TokenFromTheEnvironment(logging.Filter):
    """AsyncApp reads SLACK_BOT_TOKEN from the environment whenever it is set, even when handed a
    client, and then warns that this token will be unused. Ours is meant to be: the client was
    built from the token the settings read (with our base URL, session and retry handlers, which a
    client Bolt made from the token alone would lack), so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_TOKEN_WARNING = _TokenFromTheEnvironment()


def build_app(deps: BotDeps, *, client: AsyncWebClient, signing_secret: str, redactor: Redactor) -> AsyncApp:
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_TOKEN_WARNING)  # once: filters are a set
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    app.middleware(redact_outgoing(redactor))  # first: every listener and middleware after it sends redacted

    @app.middleware
    async def with_deps_and_log_context(body, context, next) -> None:  # type: ignore[no-untyped-def]
        context[CONTEXT_KEY] = deps  # listeners read it with bot.listeners.deps.deps_of(context)
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        log_context.bind(request_id=uuid.uuid4().hex[:12], user_id=user, kind=body.get("command") or body.get("type"))
        await next()

    actions.register(app)
    views.register(app)
    events.register(app)
    signoff_command.register(app)
    commands.register(app)
    publish_actions.register(app)
    home.register(app)
    shortcuts.register(app)
    bulk.register(app)
    media.register(app)
    commands.register_fallback(app)  # last: any other command gets an answer

    @app.error
    async def on_error(error, body, logger) -> None:  # type: ignore[no-untyped-def]
        ref = uuid.uuid4().hex[:8]
        log.error("listener failed (ref %s): %r", ref, error, exc_info=error)
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        if user and channel:
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=replies.internal_error(ref))
            except Exception:
                log.warning("could not tell %s about error %s", user, ref)

    return app
