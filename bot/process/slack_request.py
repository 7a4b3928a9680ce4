"""Read a Slack HTTP request into Bolt's request type without letting its contents change the reading.

Bolt's own `parse_body` treats a form body as an interactivity payload when the *text* `payload`
appears anywhere in it, so a slash command about "payload parsers" became `{}` and matched no
listener. Here a form body is a payload only when `payload` is one of its keys. The raw body is
kept byte for byte, so Bolt's signature check still verifies exactly what Slack signed.

Bodies no Slack request can have (not UTF-8, JSON that is not an object, a malformed timestamp
header) raise `BadSlackRequest` instead of an exception deep inside Bolt (a 500).
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type

# Slack sends a unix time in seconds; Bolt's int() would also take "１２", "1_0" or 5000 digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Slack's own requests carry a dozen or so fields; anything far beyond that is not from Slack.
MAX_FORM_FIELDS = 100


class BadSlackRequest(ValueError):
    """The body or headers cannot come from Slack; `status` is the HTTP answer to give."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def parse_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The request's fields: a JSON object (Events API), the decoded `payload` form field
    (interactivity), or the form itself (slash commands). Raises BadSlackRequest otherwise."""
    if not raw:
        return {}
    # The same rule as Bolt's for JSON, so both readings agree on which bodies are JSON.
    if content_type == "application/json" or raw.startswith("{"):
        return _json_object(raw, "body")
    try:
        fields = parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise BadSlackRequest("too many form fields") from None
    form = dict(fields)
    if "payload" in form:
        return _json_object(form["payload"], "payload")
    return form


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadSlackRequest(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise BadSlackRequest(f"the {what} is not a JSON object")
    return value


class SlackRequest(AsyncBoltRequest):
    """Bolt's request with `body` and `context` taken from `parse_body`. `to_copyable` (Bolt's lazy
    listeners) builds this type again, so a copy reads the body the same way."""

    def __init__(
        self,
        *,
        body: str,
        query: Any = None,
        headers: Any = None,
        context: dict[str, Any] | None = None,
        mode: str = "http",
    ) -> None:
        parsed = parse_body(body, extract_content_type(build_normalized_headers(headers)))
        # Bolt parses the body its own way in here; everything it derives from it is replaced below.
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if parsed != self.body:
            self.body = parsed
            self.context = build_async_context(AsyncBoltContext(context or {}), parsed)

    def to_copyable(self) -> "SlackRequest":
        return SlackRequest(
            body=self.raw_body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )


def check_headers(headers: Mapping[str, str]) -> None:
    """Headers Bolt's signature check would crash on (500) are refused as unsigned (401), the
    answer Bolt gives any request it cannot verify."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp):
        raise BadSlackRequest("the request timestamp is not a unix time", status=401)
    if not (headers.get("X-Slack-Signature") or "").isascii():
        raise BadSlackRequest("the signature is not a Slack signature", status=401)


async def from_aiohttp(request: web.Request) -> SlackRequest:
    """The request as Bolt sees it. Slack signs UTF-8 bytes; a body that is not UTF-8 is refused."""
    check_headers(request.headers)
    try:
        raw = (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise BadSlackRequest("the body is not UTF-8") from None
    try:
        return SlackRequest(body=raw, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
    except BadSlackRequest:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        # A JSON object of the wrong shape (e.g. "user": 5) trips Bolt's field extraction.
        raise BadSlackRequest("the body is not shaped like a Slack request") from None
