"""What an OpenAI-compatible endpoint answered, read defensively: a reply, or the trouble with it.

Pure functions: a status, headers and the raw body in; an `LLMReply` or a `Trouble` out. Anything
the endpoint sends, however broken, ends in one of the two, never in an exception of its own.
Which answers are worth another try follows the openai-python client (`_should_retry` in
openai/openai-python src/openai/_base_client.py): 408, 409, 429 and every 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ErrorKind
from pipeline.llm_text import excerpt, is_cut_off, page_title

RETRY_STATUS = frozenset({408, 409, 429})
_TOO_LONG_CODES = frozenset({"context_length_exceeded", "string_above_max_length", "tokens_exceeded"})
_TOO_LONG_WORDS = re.compile(
    r"context (length|window)|maximum context|too many tokens|prompt is too long"
    r"|input is too long|reduce the length",
    re.IGNORECASE,
)
_FILTER_CODES = frozenset({"content_filter", "content_policy_violation", "responsible_ai_policy_violation"})


@dataclass(frozen=True)
class LLMReply:
    text: str
    model: str
    tokens_in: int | None = None
    tokens_out: int | None = None


@dataclass(frozen=True)
class Trouble:
    """Why one attempt gave no reply. `retry`: another attempt in this run may get one.
    `problem` names what came back ("HTTP 503: overloaded"); `short` is for progress phrases."""

    kind: ErrorKind
    problem: str
    retry: bool = False
    retry_after_s: float | None = None
    short: str = ""


def read_answer(
    status: int, raw: bytes, content_type: str, *, retry_after_s: float | None, secrets: Iterable[str], model: str
) -> LLMReply | Trouble:
    secrets = tuple(s for s in secrets if s)
    if 200 <= status < 300:
        return read_completion(raw, content_type, secrets=secrets, model=model)
    message, code = error_fields(_json_or_none(raw))
    detail = excerpt(message if message is not None else _plain(raw, content_type), secrets)
    return trouble_for_status(
        status, code, message or "", f"HTTP {status}" + (f": {detail}" if detail else ""), retry_after_s=retry_after_s
    )


def trouble_for_status(
    status: int, code: str, message: str, problem: str, *, retry_after_s: float | None = None
) -> Trouble:
    if code in _TOO_LONG_CODES or status == 413 or (400 <= status < 500 and _TOO_LONG_WORDS.search(message)):
        return Trouble(ErrorKind.model_too_long, problem)
    if code in _FILTER_CODES:
        return Trouble(ErrorKind.model_refused, problem)
    if status == 408:
        return Trouble(ErrorKind.model_timeout, problem, True, retry_after_s, "the model did not answer in time")
    if status in RETRY_STATUS or status >= 500:
        return Trouble(ErrorKind.model_busy, problem, True, retry_after_s, "the model is busy")
    if status in (401, 403):
        return Trouble(ErrorKind.model_auth, problem)
    if status == 404:
        return Trouble(ErrorKind.model_not_found, problem)
    if 300 <= status < 400:
        return Trouble(ErrorKind.model_unreadable, f"a redirect ({problem}) where a reply was expected")
    if 400 <= status < 500:
        return Trouble(ErrorKind.model_rejected, problem)
    return Trouble(ErrorKind.model_unreadable, problem)


def read_completion(raw: bytes, content_type: str, *, secrets: tuple[str, ...], model: str) -> LLMReply | Trouble:
    try:
        data = json.loads(raw)
    except RecursionError:
        return Trouble(ErrorKind.model_unreadable, "JSON nested too deeply to be a chat completion")
    except ValueError:  # not JSON, not UTF-8, or a number too long to read
        if is_cut_off(raw):
            return Trouble(
                ErrorKind.model_unreachable, "an answer cut off half-way", True, None, "the model's answer was cut off"
            )
        return Trouble(ErrorKind.model_unreadable, _not_json(raw, content_type, secrets))
    if not isinstance(data, dict):
        return Trouble(ErrorKind.model_unreadable, "JSON that is not a chat completion")
    if "choices" not in data and ("error" in data or "detail" in data):
        return _error_in_200(data, secrets)
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return Trouble(ErrorKind.model_unreadable, "a chat completion without any choices")
    choice = choices[0]
    finish = choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None
    message = choice.get("message")
    if finish == "content_filter":
        return Trouble(ErrorKind.model_refused, "its content filter stopped the reply")
    if not isinstance(message, dict):
        return Trouble(ErrorKind.model_unreadable, "a choice without a message")
    refusal = message.get("refusal")
    if isinstance(refusal, str) and refusal.strip():
        return Trouble(ErrorKind.model_refused, f"it answered “{excerpt(refusal, secrets)}”")
    text = _content_text(message.get("content"))
    if text is None:
        return Trouble(ErrorKind.model_unreadable, "a reply whose content is not text")
    if not text.strip():
        ended = " (it stopped at its token limit)" if finish == "length" else ""
        return Trouble(ErrorKind.model_unreadable, f"a reply with no text{ended}")
    raw_usage = data.get("usage")
    usage = raw_usage if isinstance(raw_usage, dict) else {}
    answered_by = data.get("model")
    return LLMReply(
        text=text.strip(),
        model=answered_by[:100] if isinstance(answered_by, str) and answered_by.strip() else model,
        tokens_in=_count(usage.get("prompt_tokens")),
        tokens_out=_count(usage.get("completion_tokens")),
    )


def error_fields(data: Any) -> tuple[str | None, str]:
    """(message, code) from the shapes error bodies come in: OpenAI's {"error": {...}}, a bare
    {"error": "..."}, or a framework's {"detail": ...} / {"message": ...}."""
    if not isinstance(data, dict):
        return None, ""
    error = data.get("error", data)
    if isinstance(error, str):
        return error, ""
    if not isinstance(error, dict):
        return None, ""
    message = next((v for v in (error.get("message"), error.get("detail")) if isinstance(v, str)), None)
    code = next(
        (
            str(v).lower()
            for v in (error.get("code"), error.get("type"))
            if isinstance(v, (str, int)) and not isinstance(v, bool)
        ),
        "",
    )
    return message, code


def _error_in_200(data: dict[str, Any], secrets: tuple[str, ...]) -> Trouble:
    message, code = error_fields(data)
    detail = excerpt(message or "", secrets)
    problem = "an error instead of a reply" + (f": {detail}" if detail else "")
    status = int(code) if code.isdigit() and len(code) == 3 else 200
    if status == 200:
        trouble = trouble_for_status(400, code, message or "", problem)
        return (
            trouble
            if trouble.kind in (ErrorKind.model_too_long, ErrorKind.model_refused)
            else Trouble(ErrorKind.model_unreadable, problem)
        )
    return trouble_for_status(status, code, message or "", problem)


def _content_text(content: Any) -> str | None:
    """A string, or the text parts of a list of content parts (some servers answer that way)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") in ("text", "output_text")]
        return "".join(p for p in parts if isinstance(p, str))
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _plain(raw: bytes, content_type: str) -> str:
    title = page_title(raw, content_type)
    return title if title is not None else raw[:2000].decode("utf-8", errors="replace")


def _not_json(raw: bytes, content_type: str, secrets: tuple[str, ...]) -> str:
    if not raw.strip():
        return "an empty body"
    title = page_title(raw, content_type)
    if title is not None:
        named = f" (“{excerpt(title, secrets)}”)" if title.strip() else ""
        return f"an HTML page{named}, so the base URL may not be an OpenAI-compatible API"
    return f"text that is not JSON (“{excerpt(_plain(raw, content_type), secrets)}”)"
