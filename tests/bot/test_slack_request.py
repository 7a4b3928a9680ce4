"""How a Slack HTTP body is read: by its keys, whatever words its values contain."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request.internals import parse_body as bolt_parse_body

from bot.process.metrics import request_kind
from bot.process.slack_request import BadSlackRequest, SlackRequest, parse_body
from tests.bot.strategies import SLACK_TEXT_LIMIT, free_text, json_keys, json_values

FORM = "application/x-www-form-urlencoded"
EXAMPLES = settings(max_examples=100, deadline=None)


def slash_form(text: str) -> dict[str, str]:
    """The fields of a slash command, in the order Slack sends them."""
    return {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "local",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "carol",
        "command": "/draft",
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/x",
        "trigger_id": "1.2.3",
    }


def test_bolt_alone_reads_a_slash_command_mentioning_payload_as_an_empty_body() -> None:
    # Why bot/slack_request.py exists: slack_bolt/request/internals.py tests `"payload" in body`.
    raw = urlencode(slash_form("how our payload parser works"))
    assert bolt_parse_body(raw, FORM) == {}
    assert parse_body(raw, FORM) == slash_form("how our payload parser works")


@EXAMPLES
@given(text=free_text(SLACK_TEXT_LIMIT))
def test_a_slash_command_reads_back_exactly_whatever_its_text(text: str) -> None:
    assert parse_body(urlencode(slash_form(text)), FORM) == slash_form(text)


@EXAMPLES
@given(payload=st.dictionaries(json_keys, json_values(), max_size=6))
def test_an_interactivity_payload_reads_back_exactly_whatever_it_holds(payload: dict[str, Any]) -> None:
    assert parse_body(urlencode({"payload": json.dumps(payload)}), FORM) == payload


@EXAMPLES
@given(event=st.dictionaries(json_keys, json_values(), max_size=6))
def test_an_events_api_body_is_json_whatever_its_text(event: dict[str, Any]) -> None:
    assert parse_body(json.dumps(event), "application/json") == event


@EXAMPLES
@given(raw=free_text(2000), content_type=st.sampled_from([FORM, "application/json", None, "text/plain"]))
def test_any_body_is_read_into_fields_or_refused_as_not_from_slack(raw: str, content_type: str | None) -> None:
    try:
        fields = parse_body(raw, content_type)
    except BadSlackRequest as exc:
        assert exc.status == 400 and str(exc)
        return
    assert isinstance(fields, dict)


@pytest.mark.parametrize(
    "raw, content_type",
    [
        ("{not json", FORM),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("payload=%7Bbroken", FORM),
        ("payload=%5B1%5D", FORM),
        ("payload=" + "%5B" * 100_000, FORM),
        ("&".join(f"f{i}=x" for i in range(500)), FORM),
    ],
)
def test_bodies_slack_never_sends_are_refused(raw: str, content_type: str) -> None:
    with pytest.raises(BadSlackRequest):
        parse_body(raw, content_type)


def test_the_request_keeps_the_raw_body_for_the_signature_check_and_context_from_the_real_fields() -> None:
    raw = urlencode(slash_form("payload & ssl_check=1"))
    request = SlackRequest(body=raw, headers={"Content-Type": FORM})
    assert request.raw_body == raw
    assert request.body["command"] == "/draft" and request.body["text"] == "payload & ssl_check=1"
    assert request.context.user_id == "U1" and request.context.channel_id == "C1"
    copy = request.to_copyable()
    assert isinstance(copy, SlackRequest) and copy.body == request.body and copy.raw_body == raw


def test_request_kinds_of_bodies_with_many_fields_are_other_instead_of_an_error() -> None:
    assert request_kind("&".join(f"f{i}=x" for i in range(60))) == "other"
