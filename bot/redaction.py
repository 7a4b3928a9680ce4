"""Settings → the process's `Redactor`: built once in each composition root and passed to every sink."""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from bot.settings import Settings
from storage.redaction import MIN_SECRET_CHARS, Redactor

log = logging.getLogger("signoff.redaction")


def secret_values(settings: Settings) -> list[str]:
    """Every `SecretStr` setting, and the password of any URL setting (`postgresql://u:pw@…`,
    `redis://:pw@…`, a feed behind basic auth)."""
    values = [
        v.get_secret_value() for v in settings.__dict__.values() if isinstance(v, SecretStr) and v.get_secret_value()
    ]
    for value in settings.__dict__.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "://" in item and (password := _password(item)):
                values += [password, unquote(password)]
    return values


def redactor_for(settings: Settings, *, warn: bool = False) -> Redactor:
    """`warn` (the bot and the worker at start) names each secret too short to be redacted as text."""
    if warn:
        for name in too_short(settings):
            log.warning(
                "%s is shorter than %d characters: it cannot be told apart from ordinary text, so "
                "it is not redacted from messages, logs or stored errors",
                name,
                MIN_SECRET_CHARS,
            )
    return Redactor(secret_values(settings))


def too_short(settings: Settings) -> list[str]:
    return [
        name.upper()
        for name, value in settings.__dict__.items()
        if isinstance(value, SecretStr) and 0 < len(value.get_secret_value().strip()) < MIN_SECRET_CHARS
    ]


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None
