"""An OpenAI-compatible chat completions client over httpx that lives inside the run's deadline.

Each attempt's timeout is the per-call timeout or the time the run has left, whichever is shorter,
and bounds the whole exchange (a server that drips bytes cannot stretch it). Answers are classified
by `llm_answers`: permanent trouble (a bad key, an unknown model, a refusal, a 200 that is not a chat
completion) fails at once; transient trouble (429, 5xx, timeouts, lost connections, an answer cut
off) is retried with backoff, honouring Retry-After, while attempts and time are left, and each retry
is reported ("the model is busy — retrying (2 of 4), next try in 2 s"). A long wait is reported too.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import httpx

from pipeline.base import RunContext
from pipeline.deadline import DEFAULT_RUN_DEADLINE_S, Deadline
from pipeline.errors import ErrorKind, PermanentPipelineError, TransientPipelineError
from pipeline.llm_answers import LLMReply, Trouble, read_answer
from pipeline.llm_messages import asked_to_wait, gave_up, out_of_time, permanent_message
from pipeline.llm_retry_after import retry_after_s
from pipeline.progress import heartbeat

__all__ = ["LLMClient", "LLMReply"]


class LLMClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout_s: float = 30.0,
        max_attempts: int = 4,
        max_retry_wait_s: float = 20.0,
        heartbeat_s: float = 10.0,
        backoff_s: float = 1.0,
        temperature: float = 0.7,
        max_body_bytes: int = 4_000_000,
        budget_s: float = DEFAULT_RUN_DEADLINE_S,
    ) -> None:
        """`budget_s` bounds a call made without a run deadline (a run always has one)."""
        self.http = http
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait_s = max_retry_wait_s
        self.heartbeat_s = heartbeat_s
        self.backoff_s = backoff_s
        self.temperature = temperature
        self.max_body_bytes = max_body_bytes
        self.budget_s = budget_s

    async def chat(
        self,
        messages: list[dict[str, str]],
        *,
        ctx: RunContext | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> LLMReply:
        ctx = ctx or RunContext()
        deadline = ctx.deadline or Deadline.after(self.budget_s)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature if temperature is None else temperature,
        }
        if max_tokens:
            body["max_tokens"] = max_tokens
        trouble: Trouble | None = None
        for attempt in range(1, self.max_attempts + 1):
            if deadline.passed():
                break
            answer = await self._attempt(body, deadline.bound(self.timeout_s), ctx)
            if isinstance(answer, LLMReply):
                return answer
            trouble = answer
            if not trouble.retry:
                raise PermanentPipelineError(permanent_message(trouble, self.model), kind=trouble.kind)
            if attempt == self.max_attempts:
                raise TransientPipelineError(
                    gave_up(trouble, attempt), kind=trouble.kind, retry_after_s=trouble.retry_after_s
                )
            wait_s = self._wait_s(attempt, trouble)
            worth_trying_s = min(1.0, self.timeout_s / 2)  # an attempt with less time cannot get an answer
            if trouble.retry_after_s is not None and (
                trouble.retry_after_s > self.max_retry_wait_s
                or trouble.retry_after_s + worth_trying_s > deadline.left_s()
            ):
                raise TransientPipelineError(
                    asked_to_wait(trouble), kind=trouble.kind, retry_after_s=trouble.retry_after_s
                )
            if wait_s + worth_trying_s > deadline.left_s():
                break
            await ctx.report(
                f"{trouble.short} — retrying ({attempt + 1} of {self.max_attempts}), "
                f"next try in {max(1, math.ceil(wait_s))} s"
            )
            await asyncio.sleep(wait_s)
        if trouble is None:
            raise TransientPipelineError(out_of_time(None, deadline), kind=ErrorKind.deadline)
        raise TransientPipelineError(
            out_of_time(trouble, deadline), kind=trouble.kind, retry_after_s=trouble.retry_after_s
        )

    def _wait_s(self, attempt: int, trouble: Trouble) -> float:
        if trouble.retry_after_s is not None:
            return trouble.retry_after_s
        # 1, 2, 4 … s with jitter, so many workers hitting one busy endpoint do not retry in step.
        return min(self.max_retry_wait_s, self.backoff_s * 2.0 ** min(attempt - 1, 32)) * random.uniform(0.75, 1.0)

    async def _attempt(self, body: dict[str, Any], timeout_s: float, ctx: RunContext) -> LLMReply | Trouble:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        answered = False

        async def waiting(elapsed_s: float) -> None:
            await ctx.report(f"waiting for the model ({elapsed_s:g} s)")

        try:
            async with heartbeat(waiting, self.heartbeat_s), asyncio.timeout(timeout_s):
                async with self.http.stream(
                    "POST", self.url, json=body, headers=headers, timeout=httpx.Timeout(timeout_s)
                ) as response:
                    answered = True
                    raw = await self._read(response)
        except (TimeoutError, httpx.TimeoutException):
            return Trouble(
                ErrorKind.model_timeout, f"waited {timeout_s:.3g} s", True, None, "the model did not answer in time"
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return Trouble(
                ErrorKind.model_unreachable,
                f"{self.url.split('?')[0][:100]} is not a usable address ({type(exc).__name__})",
            )
        except httpx.DecodingError:
            return Trouble(ErrorKind.model_unreadable, "an answer whose encoding could not be decoded")
        except httpx.HTTPError as exc:
            if answered:
                return Trouble(
                    ErrorKind.model_unreachable,
                    "the connection broke before the answer was complete",
                    True,
                    None,
                    "the model's answer was cut off",
                )
            return Trouble(ErrorKind.model_unreachable, type(exc).__name__, True, None, "cannot reach the model")
        if raw is None:
            return Trouble(ErrorKind.model_unreadable, f"an answer larger than {self.max_body_bytes // 1_000_000} MB")
        return read_answer(
            response.status_code,
            raw,
            response.headers.get("content-type", ""),
            retry_after_s=retry_after_s(response.headers),
            secrets=(self.api_key or "",),
            model=self.model,
        )

    async def _read(self, response: httpx.Response) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
