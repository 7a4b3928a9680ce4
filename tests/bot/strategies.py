"""Hypothesis strategies for the free text people type into Slack: topics, edits, replies, ids, times.

Plain `st.text()` rarely produces the words and characters that have broken parsers before, so
these mix them in: the names of Slack's own form fields, URL-encoding and JSON syntax, line breaks,
emoji sequences, right-to-left text, invisible characters, and digits Python's `int()` reads
differently from a database.
"""

from __future__ import annotations

from hypothesis import strategies as st

SLACK_TEXT_LIMIT = 4000  # a slash command's text, as Slack delivers it at most

TRICKY = (
    "payload",
    "payload=",
    "payload={}",
    "command",
    "command=/signoff",
    "type",
    "type=block_actions",
    "token",
    "ssl_check",
    "ssl_check=1",
    "text=",
    "view_submission",
    "event_callback",
    "{",
    "}",
    '{"a":1}',
    "[",
    "]",
    "=",
    "&",
    "&&",
    "%",
    "%26",
    "%3D",
    "%zz",
    "+",
    "++",
    "?",
    "#",
    ";",
    ",",
    "\\",
    '"',
    "'",
    "“",
    "”",
    "`",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\u2028",
    "\u3000",
    "\u00a0",
    " ",
    "  ",
    "🚀",
    "👩🏽‍💻",
    "🏳️‍🌈",
    "🇩🇪",
    "e\u0301",
    "ß",
    "İ",
    "ﬃ",
    "مرحبا بالعالم",
    "שלום",
    "\u202e",
    "\u200f",
    "\u200b",
    "\u2066",
    "\ufeff",
    "<!channel>",
    "<@U123>",
    "<http://evil|innocent>",
    "&amp;",
    "*bold*",
    "_it_",
    "²",
    "١٢",
    "１２",
    "1_000",
    "0x1f",
    "9" * 30,
    "-1",
    "3.5",
    "1e9",
    "NaN",
    "status",
    "history",
    "cancel",
    "search",
    "config",
    "pending",
    "help",
    "mine",
    "--to",
    "--at",
    "--to=x",
    '--at "in 99999999 days"',
    "in",
    "days",
    "tomorrow",
    "9999-12-31 23:59",
)


def free_text(max_size: int = 600) -> st.SearchStrategy[str]:
    """Any Unicode text, biased towards what has broken request parsing and id handling."""
    piece = st.one_of(st.sampled_from(TRICKY), st.text(max_size=24), st.just(" "))
    short = st.lists(piece, max_size=40).map("".join).map(lambda s: s[:max_size])
    if max_size <= 600:
        return short
    # Long texts: a repeated chunk up to the limit, so the sizes near it are tried too.
    long = st.tuples(short.filter(bool), st.integers(min_value=max_size - 200, max_value=max_size)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
    )
    return st.one_of(short, long)


numbers = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.sampled_from(["²", "١٢", "１２", "1_000", "0" * 40 + "1", "9" * 5000, "٠٠٠٣"]),
)
clock = st.one_of(
    st.sampled_from(["09:30", "9am", "12pm", "23:59", "00:00", "25:61", "١:٠٠", "13pm"]), st.text(max_size=8)
)


def time_text() -> st.SearchStrategy[str]:
    """What people type after `--at` or into the Schedule dialog, including absurd amounts and years."""
    relative = st.builds(
        "in {} {}".format, numbers, st.sampled_from(["m", "min", "minutes", "h", "hrs", "hours", "d", "day", "days"])
    )
    year = st.one_of(st.integers(min_value=0, max_value=99999).map("{:04d}".format), st.just("١٢٣٤"))
    two = st.integers(min_value=0, max_value=99).map("{:02d}".format)
    iso = st.builds("{}-{}-{} {}".format, year, two, two, clock)
    words = st.builds(
        "{} {}".format, st.sampled_from(["today", "tomorrow", "next monday", "fri", "sat", "at sun"]), clock
    )
    return st.one_of(relative, iso, words, free_text(120))


def json_values(max_leaves: int = 10) -> st.SearchStrategy[object]:
    """Any JSON value; its strings and keys are free text."""
    keys = st.one_of(st.sampled_from(TRICKY), st.text(max_size=10))
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | free_text(40)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=max_leaves,
    )


json_keys = st.one_of(st.sampled_from(TRICKY), st.text(max_size=10))
