"""What shape a topic has, so the offline writer can open with a sentence that reads as English.

A topic can be a question ("why does CI cost so much?"), a clause ("why we moved our CI…"), a
request to the desk ("announce the new pricing page"), advice ("upgrade your runners"), a sentence
("we moved CI to ARM") or a bare noun phrase ("Q3 release notes"). Only a noun phrase may be put
into a template's slot; every other shape is used as its own sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.provenance import LINK

WH = ("why", "how", "what", "when", "where", "who", "which", "whether")
AUX = (
    "is",
    "are",
    "was",
    "were",
    "do",
    "does",
    "did",
    "can",
    "could",
    "should",
    "would",
    "will",
    "has",
    "have",
    "had",
    "may",
    "might",
    "must",
    "shall",
    "isn't",
    "aren't",
    "don't",
    "doesn't",
    "can't",
    "won't",
)
# Subjects that start a sentence; "our", "this" and the like start noun phrases as often.
PRONOUNS = (
    "we",
    "we're",
    "we've",
    "we'll",
    "we'd",
    "i",
    "i'm",
    "i've",
    "i'll",
    "you",
    "you're",
    "they",
    "they're",
    "it",
    "it's",
    "there's",
    "here's",
    "everyone",
    "nobody",
    "somebody",
)
# Requests to the desk: "write about X" means X; "announce X" becomes "Announcing X".
ABOUT = re.compile(
    r"^(?:please\s+)?(?:write|post|tweet|draft|blog|toot)(?:\s+(?:a|an|the|some)\s+\w+)?\s+"
    r"(?:about|on|for)\s+",
    re.IGNORECASE,
)
GERUNDS = {
    "announce": "Announcing",
    "celebrate": "Celebrating",
    "introduce": "Introducing",
    "welcome": "Welcoming",
    "launch": "Launching",
    "share": "Sharing",
    "highlight": "Highlighting",
    "recap": "Recapping",
    "summarize": "Summing up",
    "summarise": "Summing up",
    "explain": "Explaining",
    "thank": "Thanking",
    "remember": "Remembering",
    "preview": "Previewing",
}
ADVICE = (
    "use",
    "stop",
    "start",
    "try",
    "avoid",
    "upgrade",
    "migrate",
    "learn",
    "build",
    "make",
    "keep",
    "test",
    "ship",
    "move",
    "switch",
    "deploy",
    "read",
    "join",
    "meet",
    "don't",
    "never",
    "always",
    "check",
    "fix",
    "measure",
    "write",
    "run",
    "go",
    "get",
    "let's",
    "turn",
    "add",
    "remove",
    "drop",
)
PREPOSITIONS = ("of", "for", "on", "from", "to", "in", "at", "with", "about", "by", "and", "&")
_TRAILING = " \t\n-–—:;,.!…"
_LEADING = " \t\n-–—:;,.!?…*•>#"


@dataclass(frozen=True)
class Frame:
    kind: str  # question, clause, sentence, gerund, advice, noun, empty
    text: str  # the topic's words, cleaned, without end punctuation (a question keeps its "?")


def clean(topic: str) -> str:
    text = " ".join(LINK.sub("", topic).split())
    text = re.sub(r"([.!?,;:])\1+", r"\1", text)  # "!!" → "!", "??" → "?"
    text = text.lstrip(_LEADING).strip()
    return text


def frame(topic: str) -> Frame:
    text = clean(topic)
    if not any(c.isalnum() for c in text):
        return Frame("empty", "")
    about = ABOUT.match(text)
    if about and any(c.isalnum() for c in text[about.end() :]):
        return frame(text[about.end() :])
    words = text.lower().split()
    first = words[0].strip("\"'“‘(")
    if "?" in text.rstrip("?") or len(text) > 80:
        return Frame("sentence", text.rstrip(_TRAILING + "?") if not text.endswith("?") else text)
    if (
        text.endswith("?")
        or (first in AUX and len(words) > 2)
        or (first in WH and (len(words) == 1 or words[1] in AUX))
    ):
        return Frame("question", text.rstrip(_TRAILING + "?") + "?")
    body = text.rstrip(_TRAILING)
    if first in WH and len(words) > 1:
        return Frame("clause", body)
    # "recap of the meetup" is a noun phrase; "recap the meetup" a request.
    if first in GERUNDS and len(words) > 1 and words[1] not in PREPOSITIONS:
        rest = body.split(None, 1)[1]
        if rest.split()[0].lower() in WH:
            return Frame("clause", rest)  # "explain why we moved" → "Why we moved"
        return Frame("gerund", f"{GERUNDS[first]} {rest}")
    if first in PRONOUNS and len(words) > 1:
        return Frame("sentence", body)
    if first in ADVICE and len(words) > 1:
        return Frame("advice", body)
    return Frame("noun", body)


def capitalised(text: str) -> str:
    for i, c in enumerate(text):
        if c.isalpha():
            # 'ß'.upper() is 'SS': a letter without a one-letter capital stays as the topic spelled it,
            # so the topic's words (and its claims, like 'ß000') are still found in the draft.
            upper = c.upper()
            return text[:i] + (upper if len(upper) == 1 else c) + text[i + 1 :]
        if c.isdigit():
            return text
    return text


def inline(text: str) -> str:
    """The noun phrase as it reads mid-sentence: "Kubernetes", "API", "iOS" as typed; an ordinary
    first word lowercased."""
    first = text.split(" ", 1)[0]
    if first[1:].lower() != first[1:] or first.isupper() or not first[:1].isalpha():
        return text
    return text[:1].lower() + text[1:]


def ends_sentence(text: str) -> str:
    return text if text.endswith(("?", "!", ".", "…")) else text + "."
