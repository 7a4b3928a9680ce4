"""The baseline bot: a bare Bolt AsyncApp on aiohttp, same signing, same adapter as Signoff's
server, whose listeners only acknowledge (optionally enqueueing one raw arq job first, for the
end-to-end floor). Nothing here reads or writes a database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import action_ids

OnDraft = Callable[[dict[str, Any]], Awaitable[None]]


def bare_app(client: AsyncWebClient, signing_secret: str, after_ack: OnDraft | None = None) -> AsyncApp:
    # Same constructor options as bot/app.py, so the only difference is what listeners do.
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )

    @app.command("/draft")
    async def on_draft(ack, command) -> None:  # type: ignore[no-untyped-def]
        await ack(response_type="ephemeral", text=f"Got it: drafting about “{command.get('text', '')[:200]}”.")
        if after_ack is not None:
            await after_ack(command)

    @app.action(action_ids.APPROVE)
    async def on_approve(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    return app


def web_app(app: AsyncApp) -> web.Application:
    """The same request path as bot/server.py: aiohttp → Bolt adapter → async_dispatch."""

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    application = web.Application(client_max_size=1024 * 1024)
    application.router.add_post("/slack/events", slack_events)
    return application
