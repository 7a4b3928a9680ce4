"""A local OpenAI-compatible server playing a model for bench/quality.py, since no model is
reachable from the benchmark machine. The request's `model` picks a behaviour: faithful to the first
source, the same plus an invented figure and name, or copying a distracting note."""

from __future__ import annotations

import asyncio
import json
import re

from aiohttp import web

from pipeline.textutil import sentences


class StandIn:
    """A local OpenAI-compatible server playing a model: the request's `model` picks a behaviour."""

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s  # a real model's latency, for the burst benchmark
        self.calls = 0
        self.off_topic: dict[str, str] = {}  # topic → a distracting note's text to copy
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        prompt = "\n".join(m["content"] for m in body["messages"])
        behaviour = body.get("model", "faithful")
        text = self._review(prompt) if "fact checker" in prompt else self._write(prompt, behaviour)
        return web.json_response({"model": f"stand-in-{behaviour}", "choices": [{"message": {"content": text}}]})

    def _write(self, prompt: str, behaviour: str) -> str:
        topic = re.search(r"^Topic: (.*)$", prompt, re.MULTILINE).group(1)  # type: ignore[union-attr]
        first = re.search(r"^\[1\] [^\n]*\n(.*?)(?:\n\n\[2\]|\n<<<END)", prompt, re.MULTILINE | re.DOTALL)
        said = " ".join(sentences(first.group(1))[:2]) if first else f"A few words on {topic.rstrip('?.!')}."
        if behaviour == "off_topic":
            said = " ".join(sentences(self.off_topic.get(topic, said))[:2])
        if behaviour == "embellish":
            said += " That makes it 2× cheaper than last year, says Jordan Lee."
        return said + " #News"

    @staticmethod
    def _review(prompt: str) -> str:
        """A naive check a model might make: a claim is supported when the sources contain its words."""
        listed = json.loads(re.search(r"we found: (\[.*?\])\)", prompt, re.DOTALL).group(1))  # type: ignore[union-attr]
        topic = re.search(r"^Topic: (.*)$", prompt, re.MULTILINE).group(1).lower()  # type: ignore[union-attr]
        sources = prompt[prompt.index("<<<SOURCES") :].lower() + "\n" + topic
        return json.dumps(
            {
                "score": 8,
                "reasons": ["Reads clearly."],
                "claims": [
                    {"claim": c, "supported": c.lower() in sources, "sources": [1] if c.lower() in sources else []}
                    for c in listed
                ],
            }
        )

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1"  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
