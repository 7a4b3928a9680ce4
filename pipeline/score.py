"""The critique's score, in parts a reviewer can read: relevance to the topic, support of claims,
length fit per destination, tone and policy (0–10 each). The total is their weighted mean, capped
so that an off-topic or unsupported draft cannot score high whatever its other parts say.
"""

from __future__ import annotations

import re

from pipeline.base import Claim, Measure, PipelineState, ScorePart, Source
from pipeline.claims import find_claims
from pipeline.provenance import LINK, Support
from pipeline.relevance import relevance
from pipeline.shape import Budget, split_parts
from pipeline.stages.curate import RELEVANCE_THRESHOLD
from pipeline.stages.policy import check_text
from pipeline.textutil import sentences, shingles

WEIGHTS = {"relevance": 3.0, "support": 3.0, "length": 2.0, "tone": 2.0}
OFF_TOPIC_BELOW = 5.0  # a relevance part under this is an off-topic draft
OFF_TOPIC_CAP = 4.0
UNSUPPORTED_CAP = 5.0
NOTHING_MATCHED_CAP = 6.0
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_GENERIC_HOOKS = ("in this post", "here is what you need to know", "today we", "i want to talk")


def _said(text: str) -> list[str]:
    return [s for s in sentences(LINK.sub("", _HASHTAG.sub("", text))) if re.search(r"[^\W_]", s)]


def taken_from(sentence: str, document: str) -> bool:
    """Most of the sentence's word triples are in the document: it was taken from there."""
    mine = shingles(sentence)
    return bool(mine) and len(mine & shingles(document)) / len(mine) >= 0.6


def relevance_part(topic: str, text: str, material: list[Source]) -> ScorePart:
    """A sentence taken from a source is as on-topic as that source; any other sentence is on topic
    when it shares the topic's words or restates on-topic material. A sentence with facts that is
    neither makes the draft off topic; one with neither words nor facts is filler."""
    documents = [
        (
            f"{s.title}. {s.excerpt}",
            s.kind == "web" or relevance(topic, f"{s.title} {s.excerpt}") >= RELEVANCE_THRESHOLD,
        )
        for s in material
    ]
    anchored, off = 0, []
    for sentence in _said(text):
        origins = [on_topic for document, on_topic in documents if taken_from(sentence, document)]
        if origins:
            on = any(origins)
        else:
            on = relevance(topic, sentence) > 0 or any(
                relevance(sentence, document) >= 0.5 for document, on_topic in documents if on_topic
            )
        if on:
            anchored += 1
        elif origins or any(c.kind != "name" or len(c.text) > 1 for c in find_claims(sentence)):
            off.append(sentence)
    if not anchored:
        return ScorePart(
            name="relevance",
            score=0.0,
            weight=WEIGHTS["relevance"],
            reasons=["Nothing in the draft is about the topic."],
        )
    if off:
        # One sentence of unrelated facts is enough to mislead a reader: the draft counts as off topic.
        share = anchored / (anchored + len(off))
        example = " ".join(off[0].split())
        example = example if len(example) <= 80 else example[:79] + "…"
        return ScorePart(
            name="relevance",
            score=min(OFF_TOPIC_BELOW - 1, round(10 * share, 1)),
            weight=WEIGHTS["relevance"],
            reasons=[(f"{len(off)} of {anchored + len(off)} sentences are not about the topic, e.g. ‘{example}’.")],
        )
    return ScorePart(name="relevance", score=10.0, weight=WEIGHTS["relevance"], reasons=["On topic."])


def support_part(claims: list[Claim]) -> ScorePart:
    if not claims:
        return ScorePart(
            name="support",
            score=10.0,
            weight=WEIGHTS["support"],
            reasons=["No figures, names, quotes or links to check."],
        )
    missing = [c for c in claims if not c.supported]
    if not missing:
        return ScorePart(
            name="support",
            score=10.0,
            weight=WEIGHTS["support"],
            reasons=[f"All {len(claims)} claims are in the sources or the topic."],
        )
    shown = ", ".join(f"‘{c.text}’" for c in missing[:5]) + ("…" if len(missing) > 5 else "")
    score = min(4.0, round(10 * (len(claims) - len(missing)) / len(claims), 1))
    return ScorePart(name="support", score=score, weight=WEIGHTS["support"], reasons=[f"Not in any source: {shown}."])


def length_part(text: str, budget: Budget) -> ScorePart:
    scores: list[float] = []
    reasons: list[str] = []
    for limit, unit in budget.whole:
        used = budget.count(unit)(text) / limit
        scores.append(_fit(used))
        reasons.append(f"{used:.0%} of {limit}" + (" (over the limit)" if used > 1 else ""))
    for limit, unit, parts in budget.threads:
        count = len(split_parts(text, limit, budget.count(unit)))
        scores.append(0.0 if count > parts else 10.0)
        reasons.append(f"{count} of at most {parts} thread parts of {limit}")
    if not scores:
        return ScorePart(name="length", score=10.0, weight=WEIGHTS["length"], reasons=["No length limit."])
    return ScorePart(name="length", score=min(scores), weight=WEIGHTS["length"], reasons=reasons)


def _fit(used: float) -> float:
    if used > 1:
        return 0.0
    return 6.0 if used < 0.3 else 10.0


def tone_part(state: PipelineState, measure: Measure | None = None) -> ScorePart:
    text, brief = state.text, state.brief
    score, reasons = 10.0, []
    hook = text.strip().split("\n", 1)[0]
    if not hook or len(hook) > 140 or hook.lower().startswith(_GENERIC_HOOKS):
        score -= 2
        reasons.append("The opening line is long or generic; lead with the most interesting fact.")
    words = [len(s.split()) for s in _said(text)]
    if words and sum(words) / len(words) > 24:
        score -= 2
        reasons.append(f"Sentences average {sum(words) / len(words):.0f} words; shorter ones read better.")
    tags = _HASHTAG.findall(text)
    if brief.style.hashtags and not tags:
        score -= 1
        reasons.append("No hashtags, though the style asks for them.")
    elif len(tags) > 3:
        score -= 2
        reasons.append(f"{len(tags)} hashtags; two or three is plenty.")
    elif not brief.style.hashtags and tags:
        score -= 1
        reasons.append("Hashtags, though the style asks for none.")
    # Length has its own part; here the rest of the policy: blocked terms, hidden characters,
    # links and @mentions the sources do not contain.
    problems = check_text(
        text,
        limits={},
        blocked_terms=brief.blocked_terms,
        plans={},
        support=Support.of(state.material, brief.topic),
        measure=measure,
    ).problems
    if problems:
        score = 0.0
        reasons += problems
    return ScorePart(name="tone", score=max(0.0, score), weight=WEIGHTS["tone"], reasons=reasons or ["Reads well."])


def total(parts: list[ScorePart], *, nothing_matched: bool) -> tuple[float, list[str]]:
    """The weighted mean of the parts, capped; the caps that applied come first in the reasons."""
    score = sum(p.score * p.weight for p in parts) / sum(p.weight for p in parts)
    caps: list[str] = []
    named = {p.name: p for p in parts}
    if "relevance" in named and named["relevance"].score < OFF_TOPIC_BELOW and score > OFF_TOPIC_CAP:
        score = OFF_TOPIC_CAP
        caps.append(f"Off topic, so at most {OFF_TOPIC_CAP:g}.")
    if "support" in named and named["support"].score < 10 and score > UNSUPPORTED_CAP:
        score = UNSUPPORTED_CAP
        caps.append(f"Claims not in any source, so at most {UNSUPPORTED_CAP:g}.")
    if nothing_matched and score > NOTHING_MATCHED_CAP:
        score = NOTHING_MATCHED_CAP
        caps.append(f"No notes or sources matched the topic, so at most {NOTHING_MATCHED_CAP:g}.")
    reasons = (
        caps
        + [f"{p.name.capitalize()}: {r}" for p in parts for r in p.reasons if p.score < 10]
        + [f"{p.name.capitalize()}: {r}" for p in parts for r in p.reasons if p.score >= 10]
    )
    return round(max(0.0, min(10.0, score)), 1), reasons
