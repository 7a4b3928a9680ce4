"""An OpenAI-compatible chat completions client over httpx, with bounded, polite retries.

429 and 5xx answers and timeouts are retried, waiting as long as Retry-After asks (up to a cap);
when the attempts run out, or the server asks for a longer wait than we hold a worker for, the
error becomes TransientPipelineError carrying retry_after_s so the worker can defer the job.
Other 4xx answers are PermanentPipelineError: retrying a bad key or an unknown model never helps.
"""
from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass

import httpx

from pipeline.errors import PermanentPipelineError, TransientPipelineError

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class LLMReply:
    text: str
    model: str
    tokens_in: int | None = None
    tokens_out: int | None = None


def retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class LLMClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str | None, model: str,
                 timeout_s: float = 60.0, max_attempts: int = 3, max_retry_wait_s: float = 20.0,
                 temperature: float = 0.7) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.max_retry_wait_s = max_retry_wait_s
        self.temperature = temperature

    async def chat(self, messages: list[dict[str, str]], *, max_tokens: int | None = None,
                   temperature: float | None = None) -> LLMReply:
        body: dict = {"model": self.model, "messages": messages,
                      "temperature": self.temperature if temperature is None else temperature}
        if max_tokens:
            body["max_tokens"] = max_tokens
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        wait_s: float | None = None
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = await self.http.post(self.url, json=body, headers=headers,
                                                timeout=httpx.Timeout(self.timeout_s))
            except httpx.TimeoutException:
                problem, wait_s = f"the model did not answer within {self.timeout_s:g} s", None
            except httpx.TransportError as exc:
                problem, wait_s = f"cannot reach the model endpoint ({type(exc).__name__})", None
            else:
                if response.status_code < 400:
                    return self._reply(response)
                if response.status_code not in RETRYABLE_STATUS:
                    raise PermanentPipelineError(
                        f"the model endpoint refused the request ({response.status_code}): {_detail(response)}")
                problem, wait_s = f"the model endpoint answered {response.status_code}", retry_after_s(response)
            if attempt == self.max_attempts or (wait_s is not None and wait_s > self.max_retry_wait_s):
                break
            await asyncio.sleep(wait_s if wait_s is not None else min(8.0, 0.5 * 2 ** (attempt - 1)))
        raise TransientPipelineError(f"{problem}; giving up for now", retry_after_s=wait_s)

    def _reply(self, response: httpx.Response) -> LLMReply:
        try:
            data = response.json()
            text = data["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise TransientPipelineError(f"the model endpoint sent an unreadable answer ({type(exc).__name__})") from exc
        usage = data.get("usage") or {}
        return LLMReply(text=text.strip(), model=data.get("model") or self.model,
                        tokens_in=usage.get("prompt_tokens"), tokens_out=usage.get("completion_tokens"))


def _detail(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
        return (error.get("message") if isinstance(error, dict) else str(error))[:200]
    except (ValueError, AttributeError, TypeError):
        return response.text[:200]
