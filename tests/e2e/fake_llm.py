"""A local OpenAI-compatible chat endpoint: answers a test scripts, including the broken ones.

By default every request gets a chat completion carrying `reply`. `script(*answers)` queues answers
(the last one repeats): any status, headers and raw body, a request taken and never answered
(`HELD`), or an answer whose connection drops half-way (`cut_after`). `hold = True` keeps the older
behaviour: only the first request is held. `refuse_key=True` answers 401 quoting the key it was
sent, as several OpenAI-compatible servers do.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes | None = None  # None: a chat completion carrying the server's `reply`
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    held: bool = False
    cut_after: int | None = None  # send this many bytes of `body`, then drop the connection


HELD = Answer(held=True)


def completion(content: Any, *, finish_reason: str | None = "stop", model: str = "local", **message: Any) -> Answer:
    return json_answer(
        {
            "id": "chatcmpl-local",
            "object": "chat.completion",
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": content, **message},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 8, "total_tokens": 18},
        }
    )


def json_answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status=status, body=json.dumps(payload).encode(), headers=tuple((headers or {}).items()))


def error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    type_: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> Answer:
    """An error the way OpenAI writes one: {"error": {"message", "type", "param", "code"}}."""
    return json_answer(
        {"error": {"message": message, "type": type_, "param": None, "code": code}}, status=status, headers=headers
    )


def raw(body: bytes, *, status: int = 200, content_type: str = "application/json") -> Answer:
    return Answer(status=status, body=body, content_type=content_type)


def http_date(epoch_s: float) -> str:
    return email.utils.formatdate(epoch_s, usegmt=True)


@dataclass
class Seen:
    body: Any
    authorization: str | None
    arrived_at: float = field(default_factory=time.time)


class FakeLLM:
    def __init__(
        self,
        reply: str = "We shipped faster search this week. #Search",
        *,
        refuse_key: bool = False,
        answer: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        """`reply` answers every request; `answer`, when given, picks the reply from the request's
        JSON body instead (a writer and a reviewer asked different things)."""
        self.reply = reply
        self.answer = answer
        # Answer 401 quoting the key it was sent, as several OpenAI-compatible servers do.
        self.refuse_key = refuse_key
        self.requests: list[dict[str, Any]] = []
        self.seen: list[Seen] = []
        self.hold_first = asyncio.Event()
        self.hold = False
        self.url = ""
        self._answers: list[Answer] = []
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def script(self, *answers: Answer) -> None:
        self._answers = list(answers)

    def _next(self) -> Answer:
        if self.hold and len(self.requests) == 1:
            return HELD
        if not self._answers:
            return Answer()  # the default: a chat completion carrying `reply` (or `answer(body)`)
        return self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body.decode("utf-8", errors="replace")
        self.requests.append(parsed)
        self.seen.append(Seen(parsed, request.headers.get("Authorization")))
        if self.refuse_key:
            key = request.headers.get("Authorization", "").removeprefix("Bearer ")
            return web.json_response(
                {
                    "error": {
                        "message": f"Incorrect API key provided: {key}. You can find your API key at "
                        "https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
                status=401,
            )
        answer = self._next()
        if answer.body is None and self.answer is not None and isinstance(parsed, dict):
            answer = completion(self.answer(parsed))
        if answer.held:
            await self._released.wait()  # taken and never answered, until the server stops
        payload = answer.body if answer.body is not None else completion(self.reply).body or b""
        headers = dict(answer.headers)
        if answer.cut_after is None:
            return web.Response(status=answer.status, body=payload, headers=headers, content_type=answer.content_type)
        response = web.StreamResponse(status=answer.status, headers={**headers, "Content-Type": answer.content_type})
        response.content_length = len(payload)
        await response.prepare(request)
        await response.write(payload[: answer.cut_after])
        assert request.transport is not None
        request.transport.close()  # the promised length never arrives
        return response

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        self._released.set()
        if self._runner:
            await self._runner.cleanup()
