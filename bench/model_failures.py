"""How long a run waits on a model that fails, and what it ends with: each kind of failure served by
the local OpenAI-compatible server (`tests/e2e/fake_llm.py`), through the factory's stages with the
default settings (`PipelineConfig()`: 45 s run deadline, 30 s per call, 4 attempts).

`--before COMMIT` also times one model call of the client at that commit (its defaults as the
worker set them: 60 s per call, 3 attempts), which the worker then multiplied by up to 5 job
attempts for anything it called transient. Wall-clock seconds; the waits are idle, so the shared
machine's load barely matters.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import ROOT, clean_environment, machine, markdown_table
from pipeline.base import DraftBrief
from pipeline.errors import PipelineError
from pipeline.factory import PipelineConfig, build_context, build_stages
from pipeline.runner import run_pipeline
from tests.e2e.fake_llm import HELD, Answer, FakeLLM, completion, error, json_answer, raw

WHOLE = completion("We shipped faster search this week. #Search")
SCENARIOS: list[tuple[str, tuple[Answer, ...]]] = [
    ("silent (request held)", (HELD,)),
    ("503 forever", (error(503, "overloaded", type_="server_error"),)),
    ("429, Retry-After 5, forever", (error(429, "slow down", headers={"Retry-After": "5"}),)),
    ("429, Retry-After 120", (error(429, "quota", headers={"Retry-After": "120"}),)),
    ("401 bad key", (error(401, "Incorrect API key provided"),)),
    ("200 without choices", (json_answer({"choices": []}),)),
    ("200 HTML page", (raw(b"<html><title>Login</title></html>", content_type="text/html"),)),
    ("body cut off, then answered", (Answer(body=WHOLE.body, cut_after=20), WHOLE)),
]


def client_at(commit: str) -> type:
    """The LLMClient class as it was at `commit`, loaded beside today's modules."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:pipeline/llm.py"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("llm_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{commit}:pipeline/llm.py", "exec"), module.__dict__)
    client: type = module.LLMClient
    return client


async def now(http: httpx.AsyncClient, url: str) -> tuple[float, str, str]:
    config = PipelineConfig(llm_base_url=url, llm_api_key="sk-bench", fetch_topic_urls=False)
    started = time.monotonic()
    try:
        await run_pipeline(
            DraftBrief(topic="search"),
            build_context(http=http, deadline_s=config.run_deadline_s),
            build_stages(config, http),
        )
        outcome, kind = "draft", "-"
    except PipelineError as exc:
        outcome, kind = exc.message, exc.kind.value
    return time.monotonic() - started, kind, outcome


async def before(http: httpx.AsyncClient, url: str, client_class: type) -> tuple[float, str]:
    llm = client_class(http, base_url=url, api_key="sk-bench", model="m", timeout_s=60.0, max_attempts=3)
    started = time.monotonic()
    try:
        await llm.chat([{"role": "user", "content": "search"}])
        outcome = "reply"
    except PipelineError as exc:
        outcome = f"{type(exc).__name__}{' (job retried)' if exc.retryable else ''}"
    return time.monotonic() - started, outcome


async def main(commit: str | None) -> None:
    clean_environment()
    old = client_at(commit) if commit else None
    rows = []
    async with httpx.AsyncClient() as http:
        for name, answers in SCENARIOS:
            server = FakeLLM()
            url = await server.start()
            try:
                server.script(*answers)
                seconds, kind, outcome = await now(http, url)
                asked = len(server.requests)
                row = [name, f"{seconds:.1f} s", asked, kind, outcome]
                if old is not None:
                    server.requests.clear()
                    server.script(*answers)
                    old_s, old_outcome = await before(http, url, old)
                    row += [f"{old_s:.1f} s", old_outcome]
            finally:
                await server.stop()
            rows.append(row)
            print(f"done: {name}", file=sys.stderr)
    headers = ["model", "run ends after", "requests", "kind", "message"]
    if old is not None:
        headers += [f"one call at {commit}", "then"]
    print(f"{machine()}\n")
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="COMMIT", help="also time one call of the client at this commit")
    asyncio.run(main(parser.parse_args().before))
