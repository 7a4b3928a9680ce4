"""LinkedIn as a hand-off: Signoff formats a ready-to-copy text and a human posts it.

LinkedIn's posting API needs a reviewed app and a member token, so the worker never calls
`publish`; it shows `format(post)[0].text` to a person instead (`capabilities.handoff`).
"""

from __future__ import annotations

import re

from destinations.base import EMPTY_TEXT, Capabilities, Part, Post, PublishResult
from destinations.errors import PermanentError

MAX_LENGTH = 3000


def hashtag(tag: str) -> str | None:
    words = re.findall(r"[^\W_]+", tag)
    if not words:
        return None
    # "machine learning" → #MachineLearning; a single word keeps its case.
    return "#" + (words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words))


class LinkedIn:
    name = "linkedin"
    capabilities = Capabilities(max_length=MAX_LENGTH, threads=False, markdown=False, handoff=True)
    handoff = True

    def format(self, post: Post) -> list[Part]:
        present = {t.lower() for t in re.findall(r"#\w+", post.text)}
        tags = []
        for tag in post.tags:
            name = hashtag(tag)
            if name and name.lower() not in present:
                present.add(name.lower())
                tags.append(name)
        text = post.text.strip() + ("\n\n" + " ".join(tags) if tags else "")
        return [Part(index=0, text=text)]

    def preflight(self, post: Post) -> list[str]:
        if not post.text.strip():
            return [EMPTY_TEXT]
        length = len(self.format(post)[0].text)
        if length > MAX_LENGTH:
            return [f"LinkedIn allows {MAX_LENGTH} characters; this post has {length} with its hashtags"]
        return []

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        raise PermanentError("LinkedIn is a hand-off destination: post the formatted text by hand")
