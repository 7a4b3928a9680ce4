"""The Slack Web API client both processes use: every call paced within Slack's limits when a
pacer is given (bot/slack/pacer.py), retries for 429 and 5xx answers, and every argument of every
call redacted before it leaves (text, blocks, attachments, views, metadata).

Bolt makes a fresh `AsyncWebClient` for each request it dispatches, and `respond()` posts to the
response_url through a webhook client of its own; `redact_outgoing` (the first middleware of
the app) swaps in redacting versions of both, and of `ack()`, so listeners get them as usual.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Awaitable, Callable

import aiohttp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import WebhookResponse

from bot.slack.pacer import Pacer, workspace_of
from storage.redaction import Redactor

# Credentials the Web API itself needs, and the ids Slack hands back to our listeners (button and
# option values, action and block ids, view metadata, message and channel ids): never rewritten, as
# a changed id would break the click or the update that carries it. They hold no free text.
_KEEP = frozenset(
    {
        "token",
        "client_id",
        "client_secret",
        "code",
        "refresh_token",
        "value",
        "action_id",
        "block_id",
        "callback_id",
        "private_metadata",
        "external_id",
        "view_id",
        "hash",
        "trigger_id",
        "channel",
        "ts",
        "thread_ts",
        "message_ts",
        "user",
        "users",
    }
)

# A connection that broke after the request was sent may have been served: sending these again
# would post twice. Their callers claim the post first and look for it before trying again.
NOT_REPEATABLE = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")


class ConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """slack_sdk's retry of broken connections, for every method that is safe to send twice."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(NOT_REPEATABLE):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


# The call a retry handler is retrying: (workspace, method, channel), set around each paced call.
_CALL: contextvars.ContextVar[tuple[str, str, str | None]] = contextvars.ContextVar("signoff_slack_call")


class PacedRateLimitRetryHandler(AsyncRetryHandler):
    """A 429 that still arrives: every process holds back from that limit until Retry-After has
    passed (the pacer's back-off), then this call takes a fresh turn and is sent again. It also
    carries the pacer into the clients Bolt makes per request, which copy the retry handlers."""

    def __init__(self, pacer: Pacer, max_retry_count: int = 8) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        retry_after_s = 1.0
        for name, values in (response.headers if response is not None else {}).items():
            if name.lower() == "retry-after":
                with contextlib.suppress(ValueError):  # not a number of seconds: keep the default wait
                    retry_after_s = max(0.0, float(values[0] if isinstance(values, list) else values))
        workspace, method, channel = _CALL.get(("", request.url.rsplit("/", 1)[-1], None))
        await self.pacer.back_off(workspace, method, channel, retry_after_s)
        await self.pacer.turn(workspace, method, channel, optional=False)
        state.increment_current_attempt()


def pacer_of(client: AsyncWebClient) -> Pacer | None:
    for handler in client.retry_handlers or []:
        if isinstance(handler, PacedRateLimitRetryHandler):
            return handler.pacer
    return None


class RedactingWebClient(AsyncWebClient):
    """Every Web API method goes through `api_call`; its form, query and JSON arguments are
    redacted there, except ids (`_KEEP`); headers, which carry our own token, are not touched.
    With a pacer, each call first waits for its turn within Slack's limits."""

    def __init__(self, *args: Any, redactor: Redactor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redactor = redactor

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict | None = None,
        data: Any = None,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        auth: dict | None = None,
    ) -> Any:
        request = dict(
            http_verb=http_verb,
            files=files,
            data=self._clean(data),
            params=self._clean(params),
            json=self._clean(json),
            headers=headers,
            auth=auth,
        )
        call = super().api_call
        pacer = pacer_of(self)
        if pacer is None:
            return await call(api_method, **request)
        args = {**(params or {}), **(data if isinstance(data, dict) else {}), **(json or {})}
        channel = str(args["channel"]) if args.get("channel") else None
        workspace = workspace_of(self.token)

        async def take_turn(optional: bool | None = None) -> None:
            await pacer.turn(workspace, api_method, channel, optional=optional)

        async def send(request: dict[str, Any]) -> Any:
            reset = _CALL.set((workspace, api_method, channel))
            try:
                return await call(api_method, **request)
            finally:
                _CALL.reset(reset)

        if api_method == "chat.update" and channel and args.get("ts"):
            return await pacer.latest_wins((workspace, channel, str(args["ts"])), request, take_turn, send)
        await take_turn()
        return await send(request)

    def _clean(self, args: Any) -> Any:
        if not isinstance(args, dict):
            return args  # None, or an aiohttp FormData we do not build anywhere
        return self.redactor.redact_value({k: _plain(v) for k, v in args.items()}, keep=_KEEP)


def build_slack_client(
    token: str,
    base_url: str,
    *,
    redactor: Redactor,
    timeout_s: int = 15,
    session: aiohttp.ClientSession | None = None,
    pacer: Pacer | None = None,
) -> RedactingWebClient:
    """Pass a long-lived `session` so calls reuse connections (otherwise each call dials anew), and
    the process's `pacer` so calls keep within Slack's limits instead of running into them."""
    client = RedactingWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout_s,
        session=session,
        redactor=redactor,
        retry_handlers=[ConnectionErrorRetryHandler()],
    )
    # slack_sdk retries only connection errors by default; a 429 waits for Retry-After and goes on.
    client.retry_handlers.append(
        PacedRateLimitRetryHandler(pacer) if pacer is not None else AsyncRateLimitErrorRetryHandler(max_retry_count=3)
    )
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


class RedactingAck(AsyncAck):
    """`ack(...)`'s text, blocks, options, errors and view become the HTTP (or Socket Mode) answer."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    async def __call__(self, text: str | dict = "", *args: Any, **kwargs: Any) -> BoltResponse:  # type: ignore[override]
        positional, named = _redacted(self.redactor, (text, *args), kwargs)
        return await super().__call__(*positional, **named)


class RedactingRespond(AsyncRespond):
    """`respond(...)` posts to the response_url, outside the Web API client."""

    def __init__(self, *, redactor: Redactor, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redactor = redactor

    async def __call__(self, text: str | dict = "", *args: Any, **kwargs: Any) -> WebhookResponse:  # type: ignore[override]
        positional, named = _redacted(self.redactor, (text, *args), kwargs)
        return await super().__call__(*positional, **named)


def redact_outgoing(redactor: Redactor) -> Callable[..., Awaitable[None]]:
    """A Bolt middleware, registered before any other: this request's client, and everything
    built on it (`say()` …), `respond()` and `ack()` redact what they send."""

    async def middleware(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        client = context.client
        redacting = RedactingWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            session=client.session,
            trust_env_in_session=client.trust_env_in_session,
            headers=client.headers,
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=list(client.retry_handlers),
            redactor=redactor,
        )
        context["client"] = redacting
        # Bolt builds every listener argument before calling a middleware, so `say` (and helpers
        # like it) already hold the plain client: point them at ours, keeping what else they hold.
        for helper in list(context.values()):
            if getattr(helper, "client", None) is client:
                helper.client = redacting
        context["ack"] = RedactingAck(redactor)
        if context.response_url:
            context["respond"] = RedactingRespond(
                response_url=context.response_url, proxy=client.proxy, ssl=client.ssl, redactor=redactor
            )
        await next()

    return middleware


def _redacted(redactor: Redactor, args: tuple, kwargs: dict[str, Any]) -> tuple[list, dict[str, Any]]:
    def clean(value: Any) -> Any:
        return redactor.redact_value(_plain(value), keep=_KEEP)

    return [clean(a) for a in args], {k: clean(v) for k, v in kwargs.items()}


def _plain(value: Any) -> Any:
    """slack_sdk's Block and View objects as the dicts they serialise to, so they can be redacted."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
