"""Reading what a model endpoint sent: Retry-After in every form HTTP allows, safe excerpts, and,
for any bytes at all, a reply or a classified trouble (never an exception of the reader's own)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.base import RunContext
from pipeline.deadline import Deadline
from pipeline.errors import ErrorKind, PipelineError
from pipeline.llm import LLMClient
from pipeline.llm_answers import LLMReply, Trouble, read_answer
from pipeline.llm_retry_after import retry_after_s
from pipeline.llm_text import excerpt, is_cut_off
from tests.e2e.fake_llm import FakeLLM, raw

KEY = "sk-prop-5f0c2a9e77"
# RFC 9110's own example date (§5.6.7), in its three accepted formats, and its Retry-After examples (§10.2.3).
IMF_DATE = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC).timestamp()
RETRY_AFTER_TABLE = [
    ({"Retry-After": "120"}, IMF_DATE, 120.0),
    ({"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"}, IMF_DATE - 30, 30.0),
    ({"Retry-After": "Sunday, 06-Nov-94 08:49:37 GMT"}, IMF_DATE - 30, 30.0),
    ({"Retry-After": "Sun Nov  6 08:49:37 1994"}, IMF_DATE - 30, 30.0),
    ({"Retry-After": "Fri, 31 Dec 1999 23:59:59 GMT"}, IMF_DATE, 86_400.0),  # capped at a day
    ({"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"}, IMF_DATE + 60, 0.0),  # already past
    ({"Retry-After": "0"}, IMF_DATE, 0.0),
    ({"Retry-After": "-5"}, IMF_DATE, 0.0),
    ({"Retry-After": "1.5"}, IMF_DATE, 1.5),
    ({"Retry-After": "nan"}, IMF_DATE, None),
    ({"Retry-After": "1e400"}, IMF_DATE, None),
    ({"Retry-After": "soon"}, IMF_DATE, None),
    ({"Retry-After": ""}, IMF_DATE, None),
    ({}, IMF_DATE, None),
    ({"retry-after-ms": "1500", "Retry-After": "9"}, IMF_DATE, 1.5),
]


@pytest.mark.parametrize(("headers", "now", "expected"), RETRY_AFTER_TABLE)
def test_retry_after_is_read_as_seconds_or_as_any_http_date(
    headers: dict[str, str], now: float, expected: float | None
) -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    assert retry_after_s(lowered, now=lambda: now) == expected


def test_an_excerpt_removes_the_key_before_it_cuts_and_drops_invisible_characters() -> None:
    text = "x" * 110 + KEY + "\u202e\u200b\n tail"
    cut = excerpt(text, [KEY], limit=115)
    assert KEY[:3] not in cut and cut.endswith("…") and len(cut) <= 115
    assert excerpt("a\u202eb\u200bc\td", []) == "a b c d"


@pytest.mark.parametrize(
    ("body", "cut"),
    [
        (b'{"choices": [{"message": {"content": "half', True),
        (b'{"choices": [', True),
        (b'[{"a": "}"}', True),
        (b'{"a": "}"}', False),
        (b"<html>", False),
        (b"}{", False),
    ],
)
def test_json_that_stops_before_it_is_closed_counts_as_cut_off(body: bytes, cut: bool) -> None:
    assert is_cut_off(body) is cut


def test_text_parts_are_joined_and_token_counts_only_kept_when_they_are_counts() -> None:
    body = json.dumps(
        {
            "model": "m-2",
            "usage": {"prompt_tokens": True, "completion_tokens": 7},
            "choices": [
                {"message": {"content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there."}]}}
            ],
        }
    ).encode()
    reply = read_answer(200, body, "application/json", retry_after_s=None, secrets=[KEY], model="m")
    assert reply == LLMReply(text="Hello there.", model="m-2", tokens_in=None, tokens_out=7)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "choices": st.one_of(
            JSON,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "finish_reason": st.one_of(
                            st.none(), st.sampled_from(["stop", "length", "content_filter"]), st.text()
                        ),
                        "message": st.one_of(
                            JSON,
                            st.fixed_dictionaries(
                                {},
                                optional={
                                    "content": st.one_of(st.none(), st.text(), st.just(KEY), JSON),
                                    "refusal": st.one_of(st.none(), st.text(), st.just(f"no, {KEY}")),
                                },
                            ),
                        ),
                    },
                ),
                max_size=2,
            ),
        ),
        "error": st.one_of(
            JSON,
            st.fixed_dictionaries(
                {
                    "message": st.one_of(st.text(), st.just(f"bad key {KEY}")),
                    "code": st.one_of(st.integers(), st.text()),
                }
            ),
        ),
        "usage": JSON,
        "model": JSON,
    },
)
COMPLETIONS = st.builds(
    lambda content, finish: {"choices": [{"message": {"content": content}, "finish_reason": finish}]},
    st.text(min_size=1),
    st.sampled_from(["stop", "length", None]),
)
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON.map(lambda v: json.dumps(v).encode()),
    SHAPED.map(lambda v: json.dumps(v).encode()),
    COMPLETIONS.map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=400, deadline=None)
@given(status=st.integers(100, 599), body=BODIES, content_type=st.sampled_from(["application/json", "text/html", ""]))
def test_any_answer_reads_as_a_reply_or_a_trouble_without_the_key(status: int, body: bytes, content_type: str) -> None:
    result = read_answer(status, body, content_type, retry_after_s=None, secrets=[KEY], model="m")
    assert isinstance(result, (LLMReply, Trouble))
    if isinstance(result, LLMReply):
        assert 200 <= status < 300 and result.text.strip() == result.text and result.text
    else:
        assert isinstance(result.kind, ErrorKind) and KEY not in result.problem


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
async def test_whatever_a_200_carries_the_client_returns_a_reply_or_raises_a_pipeline_error(
    http: httpx.AsyncClient, fake_llm: FakeLLM, body: bytes
) -> None:
    """Over real HTTP, from the local server: the client never lets another exception out."""
    fake_llm.script(raw(body))
    llm = LLMClient(http, base_url=fake_llm.url, api_key=KEY, model="m", max_attempts=1, timeout_s=5)
    try:
        reply = await llm.chat([{"role": "user", "content": "hi"}], ctx=RunContext(deadline=Deadline.after(10)))
    except PipelineError as exc:
        assert KEY not in exc.message and exc.kind.value.startswith("model_")
    else:
        assert reply.text and reply.text == reply.text.strip()
