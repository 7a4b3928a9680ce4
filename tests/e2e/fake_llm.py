"""A local OpenAI-compatible chat endpoint whose answers a test can hold back."""
from __future__ import annotations

import asyncio
from typing import Callable

from aiohttp import web


class FakeLLM:
    """`reply` answers every request; `answer`, when given, picks the answer from the request's
    JSON body instead (a writer and a reviewer asked different things)."""

    def __init__(self, reply: str = "We shipped faster search this week. #Search",
                 answer: Callable[[dict], str] | None = None) -> None:
        self.reply = reply
        self.answer = answer
        self.requests: list[dict] = []
        self.hold_first = asyncio.Event()
        self.hold = False
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.hold and len(self.requests) == 1:
            await asyncio.sleep(120)  # the worker is killed while it waits here
        content = self.answer(body) if self.answer is not None else self.reply
        return web.json_response({
            "id": "chatcmpl-local", "object": "chat.completion", "model": "local",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 8, "total_tokens": 18}})

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
        if self._runner:
            await self._runner.cleanup()
