"""Every way a model endpoint can fail, against the local OpenAI-compatible server: permanent trouble
fails at once with a sentence a person understands, transient trouble is asked again."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from pipeline.base import RunContext
from pipeline.deadline import Deadline
from pipeline.errors import ErrorKind, PermanentPipelineError, PipelineError, TransientPipelineError
from pipeline.llm import LLMClient
from tests.e2e.fake_llm import Answer, FakeLLM, completion, error, json_answer, raw

KEY = "sk-local-0123456789abcdef"
HELLO = [{"role": "user", "content": "hi"}]


def client(http: httpx.AsyncClient, url: str, **options: object) -> LLMClient:
    settings: dict[str, Any] = {"timeout_s": 5.0, "max_attempts": 3, "backoff_s": 0.05} | options
    return LLMClient(http, base_url=url, api_key=KEY, model="local-1", **settings)


async def failure(llm: LLMClient, budget_s: float = 10.0) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        await llm.chat(HELLO, ctx=RunContext(deadline=Deadline.after(budget_s)))
    assert KEY not in caught.value.message and KEY[:12] not in caught.value.message
    return caught.value


async def test_a_200_without_choices_fails_at_once_as_unreadable(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer({"id": "x", "object": "chat.completion", "choices": []}))
    exc = await failure(client(http, fake_llm.url))
    assert isinstance(exc, PermanentPipelineError) and not exc.retryable
    assert exc.kind is ErrorKind.model_unreadable and "without any choices" in exc.message
    assert len(fake_llm.requests) == 1


async def test_a_200_with_an_html_page_fails_at_once_and_names_the_page(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    page = b"<!DOCTYPE html><html><head><title>Sign in &ndash; Corp Proxy</title></head><body>...</body></html>"
    fake_llm.script(raw(page, content_type="text/html"))
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_unreadable and len(fake_llm.requests) == 1
    assert "an HTML page (“Sign in – Corp Proxy”)" in exc.message and "<" not in exc.message


async def test_a_200_carrying_an_error_object_fails_at_once_with_its_message(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(json_answer({"error": {"message": "Provider returned error", "code": "provider_error"}}))
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_unreadable and not exc.retryable
    assert "an error instead of a reply: Provider returned error" in exc.message
    assert len(fake_llm.requests) == 1


async def test_a_200_carrying_a_rate_limit_error_code_is_retried(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(json_answer({"error": {"message": "Rate limit exceeded", "code": 429}}), completion("Fine now."))
    reply = await client(http, fake_llm.url).chat(HELLO)
    assert reply.text == "Fine now." and len(fake_llm.requests) == 2


@pytest.mark.parametrize("content", ["", "   \n", None])
async def test_an_empty_or_null_content_fails_at_once_as_unreadable(
    http: httpx.AsyncClient, fake_llm: FakeLLM, content: str | None
) -> None:
    fake_llm.script(completion(content))
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_unreadable and len(fake_llm.requests) == 1
    assert "no text" in exc.message or "not text" in exc.message


async def test_an_empty_reply_cut_by_the_token_limit_says_so(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(completion("", finish_reason="length"))
    exc = await failure(client(http, fake_llm.url))
    assert "stopped at its token limit" in exc.message


async def test_a_401_echoing_the_key_fails_at_once_without_the_key(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(
        error(401, f"Incorrect API key provided: {KEY}. You can find your API key at ...", code="invalid_api_key")
    )
    exc = await failure(client(http, fake_llm.url))
    assert isinstance(exc, PermanentPipelineError) and exc.kind is ErrorKind.model_auth
    assert "refused our credentials (HTTP 401: Incorrect API key provided: [redacted]." in exc.message
    assert "LLM_API_KEY" in exc.message and len(fake_llm.requests) == 1
    assert fake_llm.seen[0].authorization == f"Bearer {KEY}"


async def test_a_401_page_echoing_the_key_in_plain_text_is_redacted_too(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(raw(f"unauthorized: Bearer {KEY}".encode(), status=401, content_type="text/plain"))
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_auth and "Bearer [redacted]" in exc.message


async def test_a_404_for_an_unknown_model_names_the_model_and_what_to_check(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(
        error(404, "The model `local-1` does not exist or you do not have access to it.", code="model_not_found")
    )
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_not_found and not exc.retryable and len(fake_llm.requests) == 1
    assert "does not know the model “local-1”" in exc.message and "LLM_MODEL" in exc.message


@pytest.mark.parametrize("status", [400, 403, 422])
async def test_other_client_errors_fail_at_once(http: httpx.AsyncClient, fake_llm: FakeLLM, status: int) -> None:
    fake_llm.script(error(status, "Invalid value for 'temperature'"))
    exc = await failure(client(http, fake_llm.url))
    assert not exc.retryable and len(fake_llm.requests) == 1
    assert exc.kind is (ErrorKind.model_auth if status == 403 else ErrorKind.model_rejected)
    assert f"HTTP {status}: Invalid value for 'temperature'" in exc.message


async def test_context_length_exceeded_fails_at_once_and_suggests_a_narrower_topic(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    fake_llm.script(
        error(
            400,
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9001 tokens.",
            code="context_length_exceeded",
        )
    )
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_too_long and not exc.retryable and len(fake_llm.requests) == 1
    assert "narrower topic" in exc.message


@pytest.mark.parametrize(
    "answer",
    [
        completion(None, finish_reason="content_filter"),
        completion(None, refusal="I can't help with that request."),
        error(
            400,
            "The response was filtered due to the prompt triggering content management policy.",
            code="content_filter",
        ),
    ],
    ids=["finish_reason", "refusal", "azure_400"],
)
async def test_a_content_filter_or_a_refusal_fails_at_once_as_refused(
    http: httpx.AsyncClient, fake_llm: FakeLLM, answer: Answer
) -> None:
    fake_llm.script(answer)
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_refused and not exc.retryable and len(fake_llm.requests) == 1
    assert exc.message.startswith("The model declined to write this") and "rephrasing" in exc.message


async def test_a_connection_dropped_half_way_through_the_answer_is_asked_again(
    http: httpx.AsyncClient, fake_llm: FakeLLM
) -> None:
    whole = completion("We shipped it.")
    fake_llm.script(whole.__class__(body=whole.body, cut_after=25), completion("We shipped it."))
    phrases: list[str] = []

    async def progress(phrase: str) -> None:
        phrases.append(phrase)

    reply = await client(http, fake_llm.url).chat(HELLO, ctx=RunContext(progress=progress))
    assert reply.text == "We shipped it." and len(fake_llm.requests) == 2
    assert phrases[0].startswith("the model's answer was cut off — retrying (2 of 3)")


async def test_json_that_stops_before_it_is_closed_is_asked_again(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(raw(b'{"choices": [{"message": {"content": "We shipped'), completion("We shipped it."))
    reply = await client(http, fake_llm.url).chat(HELLO)
    assert reply.text == "We shipped it." and len(fake_llm.requests) == 2


async def test_an_endpoint_nobody_listens_on_is_unreachable_and_retryable(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exc = await failure(client(http, f"http://127.0.0.1:{port}/v1", max_attempts=2))
    assert isinstance(exc, TransientPipelineError) and exc.kind is ErrorKind.model_unreachable
    assert "Could not reach the model endpoint (ConnectError; 2 tries)." in exc.message


async def test_a_base_url_that_is_not_http_fails_at_once(http: httpx.AsyncClient) -> None:
    exc = await failure(client(http, "ftp://models.example/v1"))
    assert isinstance(exc, PermanentPipelineError) and exc.kind is ErrorKind.model_unreachable
    assert "LLM_BASE_URL" in exc.message


async def test_an_answer_larger_than_the_cap_is_unreadable(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(completion("x" * 50_000))
    exc = await failure(client(http, fake_llm.url, max_body_bytes=10_000))
    assert exc.kind is ErrorKind.model_unreadable and len(fake_llm.requests) == 1


async def test_a_redirect_is_not_followed_and_fails_at_once(http: httpx.AsyncClient, fake_llm: FakeLLM) -> None:
    fake_llm.script(raw(b"", status=301, content_type="text/plain"))
    exc = await failure(client(http, fake_llm.url))
    assert exc.kind is ErrorKind.model_unreadable and "redirect" in exc.message
