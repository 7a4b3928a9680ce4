"""Quality benchmark: are drafts on topic, is every claim in a source, does the score tell good
drafts from bad ones? Measured on a fixed set (bench/quality_set/: topics × note folders with
relevant and distracting notes), for the offline writer, the offline writer without the relevance
threshold (how drafts were curated before it), and a model.

No model is reachable from the benchmark machine, so by default the model is a scripted stand-in
(a local OpenAI-compatible server) with three behaviours: faithful to the first source, faithful
plus an invented figure and name, and copying a distracting note. It measures our check and score
on model-shaped output, not a model's honesty; `--llm-url` runs the same cases against a real one.

    .venv/bin/python bench/quality.py [--llm-url URL --llm-model NAME --llm-key KEY]

Ground truth comes from the set's labels, not from the checker being measured: a draft is off topic
when it copies a sentence or a claim found only in the folder's distracting notes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

from bench.common import BENCH, machine, markdown_table
from bench.model_stand_in import StandIn
from destinations.lengths import measure
from pipeline.base import (
    DestinationCapabilities,
    DraftBrief,
    DraftResult,
    LengthUnit,
    PipelineState,
    RunContext,
    Source,
    Stage,
)
from pipeline.bm25 import bm25_scores
from pipeline.factory import PipelineConfig, build_stages
from pipeline.grounding import check_claims, evidence_for
from pipeline.relevance import relevance
from pipeline.runner import run_pipeline
from pipeline.score import taken_from
from pipeline.sources.notes import NotesReader, read_note
from pipeline.stages.collect import make_collect
from pipeline.stages.critique import critique
from pipeline.stages.curate import RELEVANCE_THRESHOLD, source_text
from pipeline.stages.plan import plan
from pipeline.stages.policy import policy
from pipeline.stages.write_offline import write_offline
from pipeline.textutil import sentences

SET = BENCH / "quality_set"
CAPABILITIES = {
    "x": DestinationCapabilities(max_length=280, length_unit=LengthUnit.x_weighted),
    "mastodon": DestinationCapabilities(max_length=500, length_unit=LengthUnit.mastodon),
}


@dataclass(frozen=True)
class Case:
    topic: str
    folder: str
    relevant: frozenset[str]
    split: str


def load_cases() -> list[Case]:
    data = json.loads((SET / "cases.json").read_text())
    return [Case(c["topic"], c["folder"], frozenset(c["relevant"]), c["split"]) for c in data["cases"]]


def notes_in(folder: str) -> dict[str, Source]:
    root = SET / folder
    return {path.name: read_note(path, root) for path in sorted(root.glob("*.md"))}


# -- the relevance threshold -----------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    case: Case
    note: str
    score: float
    relevant: bool


def pairs(cases: list[Case]) -> list[Pair]:
    found = []
    for case in cases:
        for name, source in notes_in(case.folder).items():
            found.append(Pair(case, name, relevance(case.topic, source_text(source)), name in case.relevant))
    return found


def confusion(chosen: list[Pair], threshold: float) -> dict[str, float]:
    tp = sum(p.relevant and p.score >= threshold for p in chosen)
    fp = sum(not p.relevant and p.score >= threshold for p in chosen)
    fn = sum(p.relevant and p.score < threshold for p in chosen)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def choose_threshold(tune: list[Pair]) -> float:
    """The midpoint between two neighbouring scores that maximises F1 on the tuning cases; among
    equals, the highest (a missed note costs a thinner draft, a kept distractor a wrong one)."""
    scores = sorted({round(p.score, 4) for p in tune} | {0.0, 1.0})
    candidates = [round((a + b) / 2, 4) for a, b in itertools.pairwise(scores)]
    return max(candidates, key=lambda t: (round(confusion(tune, t)["f1"], 6), t))


# -- writers ----------------------------------------------------------------------------------------
def curate_without_threshold(keep: int = 5) -> Stage:
    """How curation worked before the threshold: rank by BM25 and keep the best, however unrelated."""

    async def curate(ctx: RunContext, state: PipelineState) -> PipelineState:
        ranks = bm25_scores(state.brief.topic, [source_text(s) for s in state.material])
        order = sorted(range(len(ranks)), key=lambda i: -ranks[i])
        state.material = [state.material[i] for i in order][:keep]
        return state

    return curate


# -- labels from the set ----------------------------------------------------------------------------
@dataclass
class Draft:
    writer: str
    case: Case
    result: DraftResult
    on_topic: bool = True
    claims: int = 0
    unsupported: list[str] = field(default_factory=list)
    relevant_fact: bool = False

    @property
    def good(self) -> bool:
        return self.on_topic and not self.unsupported

    @property
    def score(self) -> float:
        return self.result.critique.score if self.result.critique else 0.0


def label(draft: Draft) -> Draft:
    notes = notes_in(draft.case.folder)
    relevant = [s for n, s in notes.items() if n in draft.case.relevant]
    distracting = [s for n, s in notes.items() if n not in draft.case.relevant]
    text, topic = draft.result.text, draft.case.topic
    claims = check_claims(text, evidence_for(list(notes.values()), topic))
    draft.claims = len(claims)
    draft.unsupported = [c.text for c in claims if not c.found]
    on_relevant = {c.text for c in check_claims(text, evidence_for(relevant, topic)) if c.found}
    in_distractors = {c.text for c in check_claims(text, evidence_for(distracting, "")) if c.found}
    in_topic = {c.text for c in check_claims(text, evidence_for([], topic)) if c.found}
    copied = any(taken_from(s, f"{d.title}. {d.excerpt}") for s in sentences(text) for d in distracting)
    draft.on_topic = not copied and not (in_distractors - on_relevant)
    draft.relevant_fact = bool(on_relevant - in_topic)
    return draft


# -- runs -------------------------------------------------------------------------------------------
def brief(case: Case) -> DraftBrief:
    return DraftBrief(topic=case.topic, destinations=list(CAPABILITIES), capabilities=CAPABILITIES)


async def draft_all(cases: list[Case], writer: str, stages_for) -> list[Draft]:  # type: ignore[no-untyped-def]
    drafts = []
    for case in cases:
        result = await run_pipeline(brief(case), RunContext(measure=measure), stages_for(case))
        drafts.append(label(Draft(writer, case, result)))
    return drafts


async def run(cases: list[Case], llm_url: str | None, llm_model: str, llm_key: str | None) -> list[Draft]:
    drafts: list[Draft] = []
    async with httpx.AsyncClient(trust_env=False) as http:

        def configured(case: Case, **llm: object) -> list[Stage]:
            config = PipelineConfig(notes_dir=str(SET / case.folder), fetch_topic_urls=False, **llm)  # type: ignore[arg-type]
            return build_stages(config, http)

        drafts += await draft_all(cases, "offline", configured)
        drafts += await draft_all(
            cases,
            "offline, no threshold (before)",
            lambda case: [
                make_collect([NotesReader(str(SET / case.folder))]),
                curate_without_threshold(),
                plan,
                write_offline,
                critique,
                policy,
            ],
        )
        if llm_url:
            drafts += await draft_all(
                cases,
                f"model {llm_model}",
                lambda case: configured(case, llm_base_url=llm_url, llm_model=llm_model, llm_api_key=llm_key),
            )
        else:
            stand_in = StandIn()
            url = await stand_in.start()
            for case in cases:
                others = [s for n, s in notes_in(case.folder).items() if n not in case.relevant]
                stand_in.off_topic[case.topic] = others[0].excerpt
            try:
                for behaviour in ("faithful", "embellish", "off_topic"):
                    drafts += await draft_all(
                        cases,
                        f"model stand-in: {behaviour}",
                        lambda case, b=behaviour: configured(case, llm_base_url=url, llm_model=b, llm_max_attempts=1),
                    )
            finally:
                await stand_in.stop()
    return drafts


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "—"


def writer_table(drafts: list[Draft]) -> str:
    rows = []
    for writer in dict.fromkeys(d.writer for d in drafts):
        mine = [d for d in drafts if d.writer == writer]
        claims = sum(d.claims for d in mine)
        unsupported = sum(len(d.unsupported) for d in mine)
        with_relevant = [d for d in mine if d.case.relevant]
        without = [d for d in mine if not d.case.relevant]
        said_nothing = sum(bool(d.result.critique and d.result.critique.nothing_matched) for d in without)
        good = sorted(d.score for d in mine if d.good)
        bad = sorted(d.score for d in mine if not d.good)
        rows.append(
            [
                writer,
                share(sum(d.on_topic for d in mine), len(mine)),
                share(unsupported, claims),
                share(sum(bool(d.unsupported) for d in mine), len(mine)),
                share(sum(d.relevant_fact for d in with_relevant), len(with_relevant)),
                share(said_nothing, len(without)),
                f"{good[0]:.1f} / {statistics.median(good):.1f}" if good else "—",
                f"{bad[-1]:.1f} / {statistics.median(bad):.1f}" if bad else "—",
            ]
        )
    return markdown_table(
        [
            "writer",
            "on topic",
            "unsupported claims",
            "drafts with one",
            "relevant facts used",
            "says nothing matched",
            "good: worst / median score",
            "bad: best / median score",
        ],
        rows,
    )


def separation(drafts: list[Draft]) -> tuple[str, float, float]:
    good = [d.score for d in drafts if d.good]
    bad = [d.score for d in drafts if not d.good]
    wins = sum((g > b) + 0.5 * (g == b) for g in good for b in bad)
    auc = wins / (len(good) * len(bad)) if good and bad else float("nan")
    table = markdown_table(
        ["drafts", "count", "lowest score", "highest score"],
        [
            ["good (on topic, every claim in a source)", len(good), f"{min(good):.1f}", f"{max(good):.1f}"],
            ["bad (off topic or an unsupported claim)", len(bad), f"{min(bad):.1f}", f"{max(bad):.1f}"],
        ],
    )
    return table, auc, min(good) - max(bad)


def threshold_table(all_pairs: list[Pair], chosen: float) -> str:
    rows = []
    for split in ("tune", "held_out"):
        part = [p for p in all_pairs if p.case.split == split]
        for threshold in sorted({chosen, RELEVANCE_THRESHOLD}):
            c = confusion(part, threshold)
            rows.append(
                [
                    split,
                    f"{threshold:g}",
                    len(part),
                    c["tp"],
                    c["fp"],
                    c["fn"],
                    f"{c['precision']:.2f}",
                    f"{c['recall']:.2f}",
                ]
            )
    return markdown_table(
        ["cases", "threshold", "pairs", "kept relevant", "kept distractor", "missed relevant", "precision", "recall"],
        rows,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llm-url")
    parser.add_argument("--llm-model", default="gpt-4o-mini")
    parser.add_argument("--llm-key")
    args = parser.parse_args()
    cases = load_cases()
    all_pairs = pairs(cases)
    chosen = choose_threshold([p for p in all_pairs if p.case.split == "tune"])
    print(f"Quality benchmark on {machine()}: {len(cases)} cases, {len(all_pairs)} topic × note pairs.\n")
    print(f"Relevance threshold chosen on the tuning cases: {chosen:g} (in use: {RELEVANCE_THRESHOLD:g}).\n")
    print(threshold_table(all_pairs, chosen) + "\n")
    misses = [
        f"{p.case.topic} ← {p.note} ({p.score:.2f}, {'relevant' if p.relevant else 'distractor'})"
        for p in all_pairs
        if p.relevant != (p.score >= RELEVANCE_THRESHOLD)
    ]
    print("Misjudged pairs at the threshold in use:\n" + "\n".join(f"- {m}" for m in misses) + "\n")
    drafts = await run(cases, args.llm_url, args.llm_model, args.llm_key)
    print(writer_table(drafts) + "\n")
    table, auc, gap = separation(drafts)
    print(table + f"\n\nAUC (a good draft scores above a bad one): {auc:.3f}; worst good − best bad: {gap:+.1f}\n")
    offline_unsupported = [(d.case.topic, d.unsupported) for d in drafts if d.writer == "offline" and d.unsupported]
    print("Offline drafts with unsupported claims: " + (str(offline_unsupported) if offline_unsupported else "none"))


if __name__ == "__main__":
    asyncio.run(main())
