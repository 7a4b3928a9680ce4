"""Contracts of the pipeline: the brief that starts a run, the state stages pass along, the result.

A stage is `async def stage(ctx: RunContext, state: PipelineState) -> PipelineState`. Stages never
know about Slack or the database; the worker builds the brief and stores the result.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable, Literal, Protocol

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1


class Style(BaseModel):
    tone: str = "friendly"
    hashtags: bool = True
    emoji: bool = False
    max_length: int | None = None


class DraftBrief(BaseModel):
    """What the worker asks for. `limits` maps destination name to its max length (None = none)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    topic: str
    destinations: list[str] = Field(default_factory=lambda: ["dryrun"])
    limits: dict[str, int | None] = Field(default_factory=dict)
    feedback: str | None = None
    previous_text: str | None = None
    blocked_terms: list[str] = Field(default_factory=list)
    style: Style = Field(default_factory=Style)


class Source(BaseModel):
    title: str
    url: str | None = None
    excerpt: str = ""
    kind: str = "topic"


class StageReport(BaseModel):
    name: str
    duration_ms: float
    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    warnings: list[str] = Field(default_factory=list)


class Critique(BaseModel):
    score: float
    reasons: list[str] = Field(default_factory=list)


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


@dataclass
class PipelineState:
    brief: DraftBrief
    material: list[Source] = field(default_factory=list)
    text: str = ""
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    critique: Critique | None = None
    policy: PolicyVerdict = field(default_factory=PolicyVerdict)
    # Per-stage details a stage wants recorded (model, tokens); the runner moves them to StageReport.
    stage_notes: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


ProgressCallback = Callable[[str], Awaitable[None]]


@dataclass
class RunContext:
    """What a stage may use; built by the worker. `progress` reports a short human phrase."""

    progress: ProgressCallback | None = None
    http: object | None = None
    llm: object | None = None

    async def report(self, phrase: str) -> None:
        if self.progress is not None:
            await self.progress(phrase)


class Stage(Protocol):
    __name__: str

    async def __call__(self, ctx: RunContext, state: PipelineState) -> PipelineState: ...
