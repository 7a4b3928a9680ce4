"""What the listeners need, built once by the bot's composition root (`bot.process.runtime`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.listeners.background import Background
from bot.queue import Queue
from bot.listeners.visibility import ChannelVisibility
from storage.clock import Clock, utcnow
from storage.decisions import ApprovalRule


class Verdict(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def problems(self) -> list[str]: ...


class TextRules(Protocol):
    """The pipeline's rules for text a person wrote (pipeline.edits.HumanTextRules)."""

    def check_edit(self, text: str, details: dict[str, Any], blocked_terms: list[str]) -> Verdict: ...
    def review_edit(
        self, text: str, details: dict[str, Any], topic: str, blocked_terms: list[str]
    ) -> dict[str, Any]: ...
    def hidden_characters(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class BotDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    queue: Queue
    approvers: frozenset[str]  # from the environment; bot.listeners.effective applies /signoff config on top
    destinations: tuple[str, ...]
    text_rules: TextRules
    max_topic_chars: int = 500
    clock: Clock = utcnow
    admins: frozenset[str] = frozenset()
    rule: ApprovalRule = ApprovalRule()
    timezone: str = "UTC"
    drafts_per_hour: int = 20
    undo_s: float = 0.0  # the Undo window after an approval (SIGNOFF_UNDO_S)
    draft_ttl_h: float = 72.0  # a draft called back to pending expires this long after (SIGNOFF_DRAFT_TTL_H)
    background: Background = field(default_factory=Background)
    visibility: ChannelVisibility = field(default_factory=ChannelVisibility)


# The key under which a middleware (bot.process.app) puts the deps into every request's Bolt context.
CONTEXT_KEY = "signoff"


def deps_of(context: Mapping[str, Any]) -> BotDeps:
    return context[CONTEXT_KEY]  # type: ignore[no-any-return]
