from __future__ import annotations

import pytest

from destinations.errors import PermanentError
from destinations.linkedin import LinkedIn
from tests.destinations.fakes.posts import make_post


def test_linkedin_is_a_handoff_the_worker_must_not_publish() -> None:
    assert LinkedIn.handoff is True and LinkedIn.capabilities.handoff is True


def test_tags_become_hashtags_after_the_text_without_duplicates() -> None:
    post = make_post("We shipped #Signoff today.", tags=("signoff", "machine learning", "C++", "!!"))
    [part] = LinkedIn().format(post)
    assert part.text == "We shipped #Signoff today.\n\n#MachineLearning #C"


def test_a_post_over_3000_characters_with_its_hashtags_fails_preflight() -> None:
    problems = LinkedIn().preflight(make_post("x" * 2995, tags=("python",)))
    assert problems and "3000" in problems[0]
    assert LinkedIn().preflight(make_post("x" * 2990, tags=("python",))) == []


async def test_publish_refuses_so_nothing_is_posted_by_accident() -> None:
    post = make_post("Hi")
    with pytest.raises(PermanentError, match="hand-off"):
        await LinkedIn().publish(post, LinkedIn().format(post)[0], idempotency_key="k", reply_to=None)
