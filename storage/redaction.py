"""Secret redaction: the one place that knows what a secret looks like in text.

A `Redactor` is built once per process from the configured secrets (in the composition roots) and
handed to every sink: the log filter, the Slack client, and storage, which finds it on its session
(`redactor_of(session)`, put there by `storage.db.create_sessionmaker`).

It removes two kinds of things:

- **configured secrets**, written raw or escaped the way an echoing server writes them: percent-
  encoded (any mix of encoded and plain characters, either hex case, `+` for a space),
  JSON-escaped (`\\uXXXX`, `\\/`, `\\"`), or HTML-escaped (`&amp;` …, as our own Slack escaping
  does) — and a secret cut off where a text was clipped (at its end, or before an ellipsis) when
  at least two thirds of it are left;
- **token-shaped strings** whoever they belong to: Slack tokens, `Bearer …`, OAuth 1.0a
  signatures and tokens, OpenAI-style `sk-…` keys, JWTs, passwords in URLs, and the values of
  query parameters named like a credential (`token`, `key`, `secret`, `password`, `signature`, `sig`).

A secret shorter than `MIN_SECRET_CHARS` (after trimming spaces) is not redacted as a literal:
such strings ("admin", "1234") occur in ordinary text, so every message would be mangled while a
secret that short protects almost nothing. The composition roots warn about them by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

MARK = "[redacted]"
MIN_SECRET_CHARS = 6
SESSION_KEY = "signoff.redactor"
T = TypeVar("T")

_HTML = {
    "&": ("&amp;", "&#38;", "&#x26;"),
    "<": ("&lt;", "&#60;", "&#x3c;"),
    ">": ("&gt;", "&#62;", "&#x3e;"),
    '"': ("&quot;", "&#34;", "&#x22;"),
    "'": ("&#39;", "&#x27;", "&apos;"),
}
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Each pattern keeps its `pre` and `post` groups and replaces what lies between them. A pattern
# runs only when the text holds one of its needles (lowercased), which most text does not.
_TOKEN_PATTERNS = [
    (needles, re.compile(pattern))
    for needles, pattern in (
        (("xox",), r"(?P<pre>)xox[a-z](?:\.xox[a-z])?-[0-9A-Za-z][0-9A-Za-z-]*"),  # Slack bot, user, refresh tokens
        (("xapp-",), r"(?P<pre>)xapp-[0-9A-Za-z][0-9A-Za-z-]*"),  # Slack app-level tokens
        # An Authorization header's value, whatever its scheme (OAuth 1.0a lists its fields after it).
        (
            ("authorization",),
            (
                r"(?i:(?P<pre>\bauthorization[\"']?\s*[:=]\s*[\"']?"
                r"(?:(?:basic|bearer|token|bot|digest)\s+)?))(?!oauth\s)[^\s\"',;\\]+"
            ),
        ),
        (("bearer",), r"(?i:(?P<pre>\bbearer\s+))[A-Za-z0-9._~+/=-]{8,}"),
        (("oauth_",), r"(?i:(?P<pre>\boauth_(?:signature|token|consumer_key)=\\?\"?))[^\",&\s\\]+"),  # OAuth 1.0a
        (("sk-",), r"(?P<pre>)\bsk-[A-Za-z0-9_-]{10,}"),  # OpenAI-style API keys (sk-…, sk-proj-…)
        (("eyj",), r"(?P<pre>)eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"),  # JWTs: base64url '{"…'
        (("@",), r"(?P<pre>://[^/\s:@]*:)[^/\s@]+(?P<post>@)"),  # https://user:pass@host
        # ?token=… &api_key=… ;signature=… (and a form body's fields): the value goes, the name stays.
        # Matched from the keyword, which is all the name that needs to be seen.
        (("=",), r"(?i:(?P<pre>(?:token|key|secret|password|passwd|signature|sig)=))[^&#\s\"'<>\\]+"),
    )
]
# Whether any pattern needs to run at all (most text holds no needle). Needles are looked for
# with `in`, which on long text is ten times faster than a search with re.
_ALL_NEEDLES = tuple(n for needles, _ in _TOKEN_PATTERNS for n in needles)
# Characters that start an escaped form; text without them can hold a secret only raw.
_ESCAPES = ("%", "\\", "&", "+")


class Redactor:
    """`redact(text)` for text, `redact_value(value)` for dicts and lists of strings (JSON-able)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literals = {s.strip() for s in secrets if s and len(s.strip()) >= MIN_SECRET_CHARS}
        # Longest first, so a secret that contains another goes whole.
        self._secrets = sorted(literals, key=len, reverse=True)
        # Whole secrets first, then clipped ones: otherwise the start of "QQQQQQQ12" would be taken
        # for a clipped "QQQQQQ12" and the secret's end left behind.
        passes = (False, True) if self._secrets else ()
        self._any_form = [_Pass(self._secrets, _char_forms, clipped) for clipped in passes]
        self._raw = [_Pass(self._secrets, _raw_form, clipped) for clipped in passes]

    @property
    def secret_count(self) -> int:
        return len(self._secrets)

    def redact(self, text: str) -> str:
        if not text:
            return text
        for literal in self._any_form if any(e in text for e in _ESCAPES) else self._raw:
            text = literal.sub(text)
        lowered = text.lower()
        if any(n in lowered for n in _ALL_NEEDLES):
            for needles, pattern in _TOKEN_PATTERNS:
                if any(n in lowered for n in needles):
                    text = pattern.sub(_keep_ends, text)
        return text

    def redact_value(self, value: T, *, keep: frozenset[str] = frozenset()) -> T:
        """Strings anywhere in dicts, lists and tuples are redacted; keys, other values, and the
        values of keys named in `keep` (at any depth) stay."""
        if isinstance(value, str):
            return self.redact(value)  # type: ignore[return-value]
        if isinstance(value, dict):
            return {
                k: v if k in keep else self.redact_value(v, keep=keep)  # type: ignore[return-value]
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return type(value)(self.redact_value(v, keep=keep) for v in value)
        return value


Form = tuple[str, bool]  # how a character may be written, and whether its letters may be in either case


class _Pass:
    """One pattern for all secrets (whole, or clipped), run only when the text holds a needle of
    one of them: the longest run of characters that no encoder escapes (letters, digits, `-._`),
    which must then appear as it is. Most text holds none."""

    def __init__(self, secrets: list[str], char_forms: Callable[[str], list[Form]], clipped: bool) -> None:
        # The pattern starts with a class of every character a secret's first form can start
        # with, so re skips quickly over text where none can begin; each branch then checks (by
        # lookbehind) which form that character started.
        firsts = sorted({form[0] for secret in secrets for form, _ in char_forms(secret[0])})
        branches = "|".join(_secret_pattern(secret, char_forms, clipped) for secret in secrets)
        self.pattern = re.compile("[" + "".join(re.escape(c) for c in firsts) + "](?:" + branches + ")")
        needles = [_needle(s[: _needed(len(s))] if clipped else s) for s in secrets]
        self.needles = None if None in needles else cast("tuple[str, ...]", tuple(needles))

    def sub(self, text: str) -> str:
        if self.needles is not None and not any(n in text for n in self.needles):
            return text
        return self.pattern.sub(MARK, text)


def _needle(secret: str) -> str | None:
    runs = re.findall(r"[A-Za-z0-9._-]+", secret)
    longest = max(runs, key=len, default="")
    return longest if len(longest) >= 3 else None


def _needed(length: int) -> int:
    """How much of a secret a clipped text must still hold: two thirds, and `MIN_SECRET_CHARS`."""
    return max(MIN_SECRET_CHARS, -(-2 * length // 3))


def _secret_pattern(secret: str, char_forms: Callable[[str], list[Form]], clipped: bool) -> str:
    """The secret, each character in any of its forms, its first character already consumed.
    `clipped`: its start is enough, as where a body was cut to N characters, when at least two
    thirds of it are there and the text ends or an ellipsis follows. Both conditions keep a secret
    that begins like a word ("mastodon-token") from taking that word out of every message."""
    pieces = ["(?:" + "|".join(_regex(form) for form in char_forms(c)) + ")" for c in secret]
    needed = _needed(len(pieces)) if clipped else len(pieces)
    first = "|".join(
        f"(?<={re.escape(text[0])}){_regex((text[1:], anycase))}" for text, anycase in char_forms(secret[0])
    )
    # Optional pieces, not nested groups (nesting hundreds deep would exhaust re's parser): a
    # skipped piece can only lengthen a match that already holds half the secret.
    tail = "".join(f"{p}?" for p in pieces[needed:]) + r"(?=\Z|…|\.\.\.)" if clipped else ""
    return f"(?:{first})" + "".join(pieces[1:needed]) + tail


def _raw_form(char: str) -> list[Form]:
    return [(char, False)]


def _char_forms(char: str) -> list[Form]:
    """One character of a secret as it may appear: HTML-, JSON- or percent-escaped, or raw.
    Longer forms come first: re takes the first alternative that lets the whole pattern match,
    and the optional tail of a secret's pattern would otherwise stop at a raw backslash. Letters,
    digits and `-._` are left as they are by every encoder (RFC 3986 unreserved, JSON), so they
    only appear raw, which keeps the patterns small."""
    forms: list[Form] = [(entity, True) for entity in _HTML.get(char, ())]
    if char in _JSON_SHORT:
        forms.append((_JSON_SHORT[char], False))
    if not (char.isascii() and (char.isalnum() or char in "-._")):
        escaped = json.dumps(char, ensure_ascii=True)[1:-1] if ord(char) >= 0x10000 else f"\\u{ord(char):04x}"
        forms.append((escaped, True))
        forms.append(("".join(f"%{b:02x}" for b in char.encode("utf-8")), True))
    if char == " ":
        forms.append(("+", False))
    forms.append((char, False))
    return list(dict.fromkeys(forms))


def _regex(form: Form) -> str:
    text, anycase = form
    return _anycase(text) if anycase else re.escape(text)


def _anycase(text: str) -> str:
    """`text` as a pattern matching it in either case (hex digits, entity names), without flags."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def _keep_ends(match: re.Match[str]) -> str:
    groups = match.groupdict()
    return (groups.get("pre") or "") + MARK + (groups.get("post") or "")


def redactor_of(session: AsyncSession) -> Redactor:
    """The process's redactor, as `create_sessionmaker` put it on every session; a session made
    elsewhere still gets the token-shaped patterns."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Redactor) else _PATTERNS_ONLY


_PATTERNS_ONLY = Redactor()
