"""Contracts of the pipeline: the brief that starts a run, the state stages pass along, the result.

A stage is `async def stage(ctx: RunContext, state: PipelineState) -> PipelineState`. Stages never
know about Slack or the database; the worker builds the brief and stores the result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, computed_field

from pipeline.deadline import Deadline

SCHEMA_VERSION: Literal[1] = 1


class Style(BaseModel):
    tone: str = "friendly"
    hashtags: bool = True
    emoji: bool = False
    max_length: int | None = None


class LengthUnit(str, Enum):
    """How a destination counts (the same values as destinations' LengthUnit)."""

    characters = "characters"
    graphemes = "graphemes"
    x_weighted = "x_weighted"
    mastodon = "mastodon"


# `text`'s length in `unit`, exactly as the destination counts it when it publishes: the worker
# passes destinations' own counting, so the writer, the trim and the policy agree with the publisher.
Measure = Callable[[str, LengthUnit], int]


class DestinationCapabilities(BaseModel):
    """What the writer needs to know about one destination (mirrors destinations' Capabilities)."""

    max_length: int | None = None
    length_unit: LengthUnit = LengthUnit.characters
    threads: bool = False
    markdown: bool = False


class DestinationPlan(BaseModel):
    """The plan stage's decision for one destination; `parts` is 1 unless `form` is thread."""

    destination: str
    form: Literal["single", "thread", "article"] = "single"
    parts: int = 1
    max_length: int | None = None
    length_unit: LengthUnit = LengthUnit.characters


# Sources only the team can open (a Slack message): evidence for claims, never a link in a post.
INTERNAL_KINDS = frozenset({"slack"})


class Source(BaseModel):
    title: str
    url: str | None = None
    excerpt: str = ""
    # feed, web, notes, git, topic, slack: where this came from, shown as provenance next to the draft.
    kind: str = "topic"
    score: float = 0.0

    @property
    def public_url(self) -> str | None:
        """The link a post may carry to this source: none for an internal one."""
        return None if self.kind in INTERNAL_KINDS else self.url


class DraftBrief(BaseModel):
    """What the worker asks for. `limits` maps destination name to its max length (None = none).

    `capabilities`, when given for a destination, wins over `limits` (it also says how length is
    counted and whether threads/markdown are possible). `recent_published` holds texts or URLs of
    recent posts, so curate can avoid repeating material.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    topic: str
    destinations: list[str] = Field(default_factory=lambda: ["dryrun"])
    limits: dict[str, int | None] = Field(default_factory=dict)
    feedback: str | None = None
    # Material the request came with (the Slack message a draft was started from): a source like any
    # other, collected first and kept by curate whatever its words.
    given_sources: list[Source] = Field(default_factory=list)
    # Replies people left on the previous draft: context for a rewrite, never instructions or evidence.
    comments: list[str] = Field(default_factory=list)
    previous_text: str | None = None
    blocked_terms: list[str] = Field(default_factory=list)
    style: Style = Field(default_factory=Style)
    capabilities: dict[str, DestinationCapabilities] = Field(default_factory=dict)
    recent_published: list[str] = Field(default_factory=list)

    def capabilities_for(self, destination: str) -> DestinationCapabilities:
        if destination in self.capabilities:
            return self.capabilities[destination]
        return DestinationCapabilities(max_length=self.limits.get(destination))

    def all_capabilities(self) -> dict[str, DestinationCapabilities]:
        names = list(dict.fromkeys([*self.destinations, *self.limits, *self.capabilities]))
        return {name: self.capabilities_for(name) for name in names}


class StageReport(BaseModel):
    name: str
    duration_ms: float
    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    warnings: list[str] = Field(default_factory=list)


class Claim(BaseModel):
    """One checkable statement in a draft (a number, version, date, name, quote or link) and where
    it was found. `sources` are 1-based positions in the draft's sources (its numbered references)."""

    # `model_found` names the language model, not a pydantic method (older pydantic warns on `model_`).
    model_config = ConfigDict(protected_namespaces=())

    text: str
    kind: str
    sources: list[int] = Field(default_factory=list)
    in_topic: bool = False
    # Said in the regenerate feedback: shown, but not evidence (an approver still has to accept it).
    in_feedback: bool = False
    # The deterministic check's verdict (None: only the model named this claim).
    found: bool | None = None
    # The model's verdict and the sources it cited, when a model checked the draft.
    model_found: bool | None = None
    model_sources: list[int] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def supported(self) -> bool:
        """Neither check says it is missing from the sources: the verdict that blocks approval."""
        return self.found is not False and self.model_found is not False


class ScorePart(BaseModel):
    """One reason the score is what it is: relevance, support, length or tone (0–10 each)."""

    name: str
    score: float
    weight: float
    reasons: list[str] = Field(default_factory=list)


class Critique(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    score: float
    reasons: list[str] = Field(default_factory=list)
    parts: list[ScorePart] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    # No notes or sources matched the topic: the draft was written from the topic alone.
    nothing_matched: bool = False
    # A model checked the claims too (its verdicts are on each claim).
    model_checked: bool = False


class PolicyVerdict(BaseModel):
    ok: bool = True
    problems: list[str] = Field(default_factory=list)


class DraftResult(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    text: str
    title: str | None = None
    tags: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    critique: Critique | None = None
    policy: PolicyVerdict = Field(default_factory=PolicyVerdict)
    stages: list[StageReport] = Field(default_factory=list)
    plans: dict[str, DestinationPlan] = Field(default_factory=dict)


@dataclass
class PipelineState:
    brief: DraftBrief
    material: list[Source] = field(default_factory=list)
    plans: dict[str, DestinationPlan] = field(default_factory=dict)
    text: str = ""
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    critique: Critique | None = None
    policy: PolicyVerdict = field(default_factory=PolicyVerdict)
    # Per-stage details a stage wants recorded (model, tokens); the runner moves them to StageReport.
    stage_notes: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


ProgressCallback = Callable[[str], Awaitable[None]]


@dataclass
class RunContext:
    """What a stage may use; built by the worker. `progress` reports a short human phrase;
    `measure` counts length as the destinations do (without it only code points can be counted).

    `deadline` bounds the whole run: every model call's timeout is cut to the time left and
    retries stop when it has passed. `run_pipeline` gives a run without one the default budget.
    """

    progress: ProgressCallback | None = None
    http: object | None = None
    llm: object | None = None
    measure: Measure | None = None
    deadline: Deadline | None = None

    async def report(self, phrase: str) -> None:
        if self.progress is not None:
            await self.progress(phrase)


class Stage(Protocol):
    __name__: str

    async def __call__(self, ctx: RunContext, state: PipelineState) -> PipelineState: ...
