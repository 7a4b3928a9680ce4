"""Who may do what, and with which settings: the environment, overridden by `/signoff config`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.listeners.deps import BotDeps
from storage import config


@dataclass(frozen=True)
class Effective:
    approvers: frozenset[str]
    admins: frozenset[str]
    destinations: tuple[str, ...]
    blocked_terms: tuple[str, ...]

    def may_decide(self, user_id: str) -> bool:
        return user_id in self.approvers

    def may_configure(self, user_id: str) -> bool:
        return user_id in self.admins


async def effective(deps: BotDeps, session: AsyncSession, team_id: str) -> Effective:
    stored = await config.get_all(session, team_id or "default")
    return Effective(
        approvers=frozenset(stored.get("approvers") or deps.approvers),
        admins=deps.admins,
        destinations=tuple(stored.get("destinations") or deps.destinations),
        blocked_terms=tuple(stored.get("blocked_terms") or ()),
    )
