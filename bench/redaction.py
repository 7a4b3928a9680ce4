"""What redaction costs per call, on what the sinks really pass it: a log line, a failure message
that echoes a key, a draft message's Block Kit (every string of it), and error bodies of 10 kB.

The Redactor is built with the secrets a fully configured Signoff has (Slack, X, Mastodon, Bluesky,
Dev.to, webhook, model: 13). The baseline, timed in the same run on the same inputs, is what the
log filter did before (each secret with `str.replace`, then four token patterns): it found
neither escaped nor clipped secrets, and ran on log lines only.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, markdown_table
from storage.redaction import Redactor

SECRETS = (
    ["xoxb-" + secrets.token_hex(24), secrets.token_hex(16), "xapp-1-" + secrets.token_hex(24)]
    + [secrets.token_urlsafe(n) for n in (25, 50, 40, 45, 43, 19, 24, 32)]
    + ["sk-" + secrets.token_urlsafe(36), "whsec_" + secrets.token_urlsafe(24)]
)
_OLD_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)(oauth_signature=\")[^\"]+"),
]


def old_filter(text: str) -> str:
    for secret in SECRETS:
        text = text.replace(secret, "[redacted]")
    for pattern in _OLD_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


def inputs() -> dict[str, object]:
    sentence = "Signoff keeps every decision in a hash-chained audit trail &amp; shows who approved what. "
    draft_blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Draft #42 · pending* · requested by <@U012AB>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": sentence * 25}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"X: thread of 3 · {n}/280"} for n in (271, 254, 98)],
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": a,
                    "value": f"42|3|{'ab' * 32}",
                    "text": {"type": "plain_text", "text": a},
                }
                for a in ("signoff_approve", "signoff_edit", "signoff_regenerate", "signoff_skip")
            ],
        },
    ]
    body = {"error": {"message": "upstream said: " + sentence * 100, "code": "bad_request"}}
    return {
        "log line, 47 chars": "draft 42 shown; run 7 took 1.8 s (3 stages)",
        "failure echoing a key, 170 chars": "the model endpoint refused the request (401): Incorrect API key "
        f"provided: {SECRETS[-2]}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "draft message blocks, 2.6 kB": draft_blocks,
        "plain error body, 9 kB": sentence.replace("&amp;", "and") * 100,
        "JSON error body with escapes, 9 kB": json.dumps(body),
    }


def timed(call: Callable[[], object], repeat: int) -> float:
    """Median seconds per call over 5 rounds of `repeat` calls."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        rounds.append((time.perf_counter() - started) / repeat)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000, help="calls per round (5 rounds)")
    args = parser.parse_args()
    started = time.perf_counter()
    redactor = Redactor(SECRETS)
    built_ms = (time.perf_counter() - started) * 1000
    rows = []
    for name, value in inputs().items():
        ours = timed(functools.partial(redactor.redact_value, value), args.repeat)
        text = value if isinstance(value, str) else json.dumps(value)
        base = timed(functools.partial(old_filter, text), args.repeat)
        rows.append([name, f"{ours * 1e6:.1f} µs", f"{base * 1e6:.1f} µs", f"{ours / base:.1f}×"])
    print(machine())
    print(f"Redactor with {redactor.secret_count} secrets built in {built_ms:.0f} ms (once per process)\n")
    print(markdown_table(["input", "Redactor (redact_value)", "old log filter", "ratio"], rows))


if __name__ == "__main__":
    main()
