"""Keep X credentials out of logs.

At DEBUG, tweepy logs request headers (the OAuth header included) and oauthlib logs the signature
base string, which holds the consumer key and access token.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

LOGGERS = ("tweepy.asynchronous.client", "tweepy.client", "oauthlib.oauth1.rfc5849")
# The header value up to its closing quote (it contains the other kind of quote), or to line end.
_AUTH_HEADER = re.compile(r"""(Authorization['"]?\s*[:=]\s*)(?:(['"]).*?\2|[^\n]*)""", re.I)
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8


class RedactCredentials(logging.Filter):
    """Rewrites a record's message with the Authorization header and every known secret removed."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = _AUTH_HEADER.sub(r"\1'" + REDACTED + "'", record.getMessage())
        for secret in sorted(self.secrets, key=len, reverse=True):
            message = message.replace(secret, REDACTED)
        record.msg, record.args = message, None
        return True


_FILTER = RedactCredentials()


def redact_tweepy_logs(secrets: tuple[str, ...]) -> None:
    # Logger filters run only for records logged on that logger, which is where tweepy logs.
    # oauthlib logs them percent-encoded once (normalized params) and twice (base string).
    # Real X keys and tokens are 25+ characters; replacing a short test value would garble logs.
    for secret in (s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH):
        once = quote(secret, safe="")
        _FILTER.secrets.update({secret, once, quote(once, safe="")})
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
