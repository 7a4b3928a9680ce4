"""The Redactor: configured secrets in every form an echoing server writes them, token-shaped
strings whoever they belong to, and text without either left alone."""

from __future__ import annotations

import html
import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from storage.redaction import MIN_SECRET_CHARS, Redactor


def _forms(secret: str) -> dict[str, str]:
    """How a server may write a secret back: in a URL, a JSON string, an HTML page, as we escape for Slack."""
    return {
        "raw": secret,
        "percent": quote(secret, safe=""),
        "percent, lower-case hex": quote(secret, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
        "form (quote_plus)": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "json, unicode kept": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json, slash escaped": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "html": html.escape(secret),
        "slack mrkdwn": secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    }


FORMS = sorted(_forms("x"))


def _absent(secret: str, text: str) -> bool:
    return not any(form in text for form in _forms(secret).values())


# -- configured secrets ---------------------------------------------------------------------------
TRICKY = 'whsec/SECRET+1f2e&3d "4c" \\ é€😀'


@pytest.mark.parametrize("form", sorted(_forms(TRICKY)))
def test_a_configured_secret_is_removed_in_every_form_a_server_echoes_it(form: str) -> None:
    text = f'{{"error": "bad signature for {_forms(TRICKY)[form]}", "status": 401}}'
    assert Redactor([TRICKY]).redact(text) == '{"error": "bad signature for [redacted]", "status": 401}'


def test_a_secret_cut_off_where_a_text_was_clipped_goes_once_two_thirds_of_it_are_left() -> None:
    secret = "mastodon-TOKEN-0a1b2c3d4e5f"  # 27 characters: 18 are two thirds
    redactor = Redactor([secret])
    body = f'{{"error": "The access token {secret} is invalid"}}'
    start = body.index(secret)
    assert redactor.redact(body[: start + 18]) == '{"error": "The access token [redacted]'  # the text ends
    assert (
        redactor.redact(body[: start + 18] + "…); check the account")  # a clipped body inside a note
        == '{"error": "The access token [redacted]…); check the account'
    )
    assert redactor.redact(body[: start + 17]) == body[: start + 17]  # too little of it to tell


def test_a_secret_that_begins_like_a_word_leaves_that_word_alone() -> None:
    redactor = Redactor(["mastodon-token"])
    for text in ("mastodon", "To: mastodon · 559 characters", "Published to mastodon", '{"dest":"mastodon"}'):
        assert redactor.redact(text) == text
    assert redactor.redact("the token was mastodon-tok") == "the token was [redacted]"


def test_secrets_shorter_than_six_characters_are_not_redacted_as_text() -> None:
    redactor = Redactor(["admin", "  12345  ", "", "abcdef"])
    assert redactor.secret_count == 1
    assert redactor.redact("admin 12345 abcdef") == "admin 12345 [redacted]"
    assert MIN_SECRET_CHARS == 6


def test_a_secret_inside_a_longer_secret_goes_with_it() -> None:
    redactor = Redactor(["token-ABCDEF", "token-ABCDEF-and-more"])
    assert redactor.redact("x token-ABCDEF-and-more y") == "x [redacted] y"


def test_a_whole_secret_is_found_before_a_clipped_one_that_overlaps_it() -> None:
    assert Redactor(["QQQQQQ12"]).redact("QQQQQQQ12 and QQQQQQ") == "Q[redacted] and [redacted]"
    assert Redactor(["QQQQQQQQQ12"]).redact("QQQQQQQQQQ12") == "Q[redacted]"


def test_values_are_redacted_in_nested_dicts_and_lists_and_keys_stay() -> None:
    redactor = Redactor(["whsec-SECRET-1f2e3d4c"])
    value = {
        "error": "echo whsec-SECRET-1f2e3d4c",
        "attempt": 2,
        "ok": None,
        "parts": [{"why": "whsec-SECRET-1f2e3d4c"}, ("a", "whsec-SECRET-1f2e3d4c")],
    }
    assert redactor.redact_value(value) == {
        "error": "echo [redacted]",
        "attempt": 2,
        "ok": None,
        "parts": [{"why": "[redacted]"}, ("a", "[redacted]")],
    }


# -- token-shaped strings -------------------------------------------------------------------------
# Built from pieces so no token-shaped literal sits in the repository (secret scanners flag them).
# Formats: Slack token prefixes (https://api.slack.com/authentication/token-types), RFC 6750 bearer
# tokens, RFC 5849 (OAuth 1.0a) Authorization headers as tweepy sends them, RFC 7519 JWTs, RFC 3986
# userinfo in URLs, OpenAI's 401 body ("Incorrect API key provided: …").
SLACK_BOT = "xox" + "b-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_REFRESH = "xoxe.xox" + "p-1-Mi0yLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5"
SLACK_APP = "xa" + "pp-1-A0123456789-1234567890123-0123456789abcdef"
JWT = (
    "eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
OPENAI = "sk-" + "proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"

TOKEN_SHAPED = [
    (f"posting with {SLACK_BOT} failed", "posting with [redacted] failed"),
    (f"refresh {SLACK_REFRESH}", "refresh [redacted]"),
    (f"socket mode with {SLACK_APP}", "socket mode with [redacted]"),
    ("Authorization: Bearer AbC123def456ghi789", "Authorization: Bearer [redacted]"),
    ("headers={'authorization': 'Bearer AbC123def456ghi789'}", "headers={'authorization': 'Bearer [redacted]'}"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: Basic [redacted]"),
    ("sent Bearer AbC123def456ghi789 again", "sent Bearer [redacted] again"),
    (
        (
            'Authorization: OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", '
            'oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", '
            'oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjY%3D", oauth_signature_method="HMAC-SHA1", '
            'oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"'
        ),
        (
            'Authorization: [redacted] oauth_consumer_key="[redacted]", '
            'oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", '
            'oauth_signature="[redacted]", oauth_signature_method="HMAC-SHA1", oauth_token="[redacted]"'
        ),
    ),
    (
        "POST /oauth/request_token?oauth_signature=abc%2Bdef&oauth_version=1.0",
        "POST /oauth/request_token?oauth_signature=[redacted]&oauth_version=1.0",
    ),
    (
        f"Incorrect API key provided: {OPENAI}. You can find your API key at https://platform.openai.com/account/api-keys.",
        "Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.",
    ),
    (f'{{"accessJwt": "{JWT}"}}', '{"accessJwt": "[redacted]"}'),
    (
        "could not connect to postgresql://signoff:hunter2-db@db.internal:5432/signoff",
        "could not connect to postgresql://signoff:[redacted]@db.internal:5432/signoff",
    ),
    ("redis://:r3dis-pass@cache:6379/0 is down", "redis://:[redacted]@cache:6379/0 is down"),
    (
        "GET https://feeds.example/rss?id=7&api_key=abc123&limit=5",
        "GET https://feeds.example/rss?id=7&api_key=[redacted]&limit=5",
    ),
    ("https://hooks.example/in?token=t0k3n#frag", "https://hooks.example/in?token=[redacted]#frag"),
    (
        "https://s3.example/obj?X-Amz-Signature=0f1e2d3c&X-Amz-Expires=60",
        "https://s3.example/obj?X-Amz-Signature=[redacted]&X-Amz-Expires=60",
    ),
    (
        "client_secret=s3cr3t&grant_type=refresh_token&refresh_token=r3fr3sh",
        "client_secret=[redacted]&grant_type=refresh_token&refresh_token=[redacted]",
    ),
    ("login with password=hunter2 failed", "login with password=[redacted] failed"),
]

LEFT_ALONE = [
    "Mastodon refused the post (422): Validation failed: Text character limit of 500 exceeded",
    "the model endpoint answered 503; giving up for now",
    "https://example.com/posts/1?utm_source=signoff&page=2",
    "http://127.0.0.1:8080/api/ and sqlite+aiosqlite:///signoff.db",
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    "a skeptical reader and a key decision; the bearer of good news",
    "sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b, revision 2",
    "Draft #12 · pending · U_ALICE approved revision 3",
]


@pytest.mark.parametrize(("text", "expected"), TOKEN_SHAPED)
def test_token_shaped_strings_are_redacted_and_their_names_kept(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_ordinary_text_with_urls_hashes_and_ids_is_left_alone(text: str) -> None:
    assert Redactor(["whsec-SECRET-1f2e3d4c"]).redact(text) == text


# -- properties -----------------------------------------------------------------------------------
# Secrets always hold a digit or an upper-case letter; plain text below never does, so a secret
# cannot occur in it by accident, and of the token shapes only "bearer <word>" can form in it.
secret_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
secrets_strategy = st.lists(
    st.builds(
        lambda head, body: head + body,
        st.sampled_from("ABCXYZ0123456789"),
        st.text(secret_chars, min_size=MIN_SECRET_CHARS - 1, max_size=30),
    ),
    min_size=1,
    max_size=3,
)
plain = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz .,!?()\n"), max_size=200)
any_text = st.text(max_size=200)


@settings(max_examples=250, deadline=None)
@given(secrets=secrets_strategy, before=any_text, after=any_text, form=st.sampled_from(FORMS))
@example(secrets=["Z" + TRICKY], before="", after="", form="json")
def test_no_configured_secret_survives_in_any_form_anywhere(
    secrets: list[str], before: str, after: str, form: str
) -> None:
    assume(all(s.strip() == s for s in secrets))
    redactor = Redactor(secrets)
    for secret in secrets:
        redacted = redactor.redact(before + _forms(secret)[form] + after)
        for other in secrets:
            assert _absent(other, redacted), (other, redacted)


@settings(deadline=None)
@given(secrets=secrets_strategy, before=plain, after=plain, form=st.sampled_from(FORMS))
def test_a_secret_between_words_is_replaced_exactly_nothing_more_or_less(
    secrets: list[str], before: str, after: str, form: str
) -> None:
    assume(all(s.strip() == s for s in secrets) and "bearer" not in before + after)
    text = before + " " + _forms(secrets[0])[form] + " " + after
    assert Redactor(secrets).redact(text) == before + " [redacted] " + after


@settings(deadline=None)
@given(secrets=secrets_strategy, text=plain)
def test_text_without_secrets_or_tokens_is_unchanged(secrets: list[str], text: str) -> None:
    assume("bearer" not in text)  # "bearer" and a word is a credential's shape
    assert Redactor(secrets).redact(text) == text


@settings(deadline=None)
@given(secrets=secrets_strategy, text=any_text)
def test_configured_secrets_change_only_text_that_holds_one(secrets: list[str], text: str) -> None:
    """Arbitrary text whose characters cannot spell a secret: the configured secrets change nothing,
    so any change was a token-shaped match, the same with or without them."""
    assume(all(s[0] not in text for s in secrets) and not any(e in text for e in "%\\&+"))
    assert Redactor(secrets).redact(text) == Redactor().redact(text)


@settings(deadline=None)
@given(secrets=secrets_strategy, text=any_text, pick=st.integers(min_value=0, max_value=2))
def test_redacting_twice_changes_nothing_more(secrets: list[str], text: str, pick: int) -> None:
    redactor = Redactor(secrets)
    once = redactor.redact(text + secrets[pick % len(secrets)] + text)
    assert redactor.redact(once) == once
