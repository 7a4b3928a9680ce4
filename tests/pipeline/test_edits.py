"""A human edit is reviewed like a written draft: its claims are checked against the sources of the
revision it edits, so removing an unsupported claim clears it and adding one shows it."""

from __future__ import annotations

from destinations.lengths import measure
from pipeline.edits import HumanTextRules
from storage.claims import unsupported_claims

DETAILS = {
    "sources": [{"title": "Release 2.4", "excerpt": "Search is now three times faster.", "kind": "notes:r.md"}],
    "plans": {"x": {"destination": "x", "max_length": 280, "length_unit": "x_weighted"}},
}


def test_an_edit_that_keeps_to_the_sources_has_nothing_to_accept() -> None:
    critique = HumanTextRules(measure).review_edit(
        "Search in release 2.4 is 3× faster. #Search", DETAILS, "faster search", []
    )
    assert unsupported_claims({"critique": critique}) == []
    assert {c["text"]: c["sources"] for c in critique["claims"]}["3×"] == [1]


def test_an_edit_that_adds_a_figure_shows_it_as_unsupported_and_scores_its_parts() -> None:
    critique = HumanTextRules(measure).review_edit(
        "Search is 3× faster and 40% cheaper. #Search", DETAILS, "faster search", []
    )
    assert unsupported_claims({"critique": critique}) == ["40%"]
    assert critique["score"] <= 5.0
    assert {p["name"] for p in critique["parts"]} == {"relevance", "support", "length", "tone"}
