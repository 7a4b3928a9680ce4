"""The App Home: published for a person when they open it (`app_home_opened`), click Refresh, or
call off a publish from it. What it lists is read fresh each time and filtered like `/signoff
pending`: a draft shows only inside its installation and to members of its channel."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import action_ids
from bot.blocks.home import HomeView, home_view
from bot.listeners.deps import BotDeps, deps_of
from bot.listeners.effective import effective
from bot.listeners.interaction import installation_of
from bot.listeners.visibility import VisibilityUnknown
from storage import listing, schedules
from storage.decisions import approvals_of
from storage.models import Draft

log = logging.getLogger("signoff.bot.listeners.home")

SCHEDULED_AHEAD = timedelta(days=14)
PUBLISHED_SINCE = timedelta(days=7)


async def handle_app_home_opened(event: dict, client: AsyncWebClient, context: Any) -> None:
    if event.get("tab") != "home" or not event.get("user"):
        return  # the Messages tab, or a payload without a person
    deps = deps_of(context)
    deps.background.spawn(publish_home(deps, client, event["user"], installation_of(context)), "home")


async def handle_refresh(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
    await ack()
    deps = deps_of(context)
    user = (body.get("user") or {}).get("id")
    if user:
        deps.background.spawn(publish_home(deps, client, user, installation_of(context)), "home")


async def publish_home(deps: BotDeps, client: AsyncWebClient, user: str, installation: str) -> None:
    await client.views_publish(user_id=user, view=home_view(await home_for(deps, client, user, installation)))


async def home_for(deps: BotDeps, client: AsyncWebClient, user: str, installation: str) -> HomeView:
    now = deps.clock()
    async with deps.sessionmaker() as session:
        config = await effective(deps, session, installation)
        channel_settings = await schedules.channel_configs(session)
        may_decide = config.may_decide(user)
        settings = (
            {
                "approvers": sorted(config.approvers),
                "admins": sorted(config.admins),
                "destinations": config.destinations,
                "blocked terms": config.blocked_terms,
                "digest schedules": [
                    f"{c}: {s.get('schedule') or 'default'}" for c, s in sorted(channel_settings.items())
                ]
                or "default",
                "required approvals": deps.rule.required,
                "four eyes": "on" if deps.rule.four_eyes else "off",
                "undo window": f"{deps.undo_s:g} s",
            }
            if config.may_configure(user)
            else None
        )
        try:
            channels = await deps.visibility.channels_of(client, installation, user)
        except VisibilityUnknown as exc:
            log.warning("app home without drafts: %s", exc)
            return HomeView(
                user=user,
                now=now,
                may_decide=may_decide,
                required=deps.rule.required,
                settings=settings,
                channels_unknown=True,
            )

        def shown(draft: Draft) -> bool:
            if draft.team_id and draft.team_id != installation:
                return False
            return deps.visibility.may_see(channels, user, draft.channel_id, draft.requester_id)

        waiting = (
            [d for d in await listing.waiting_for(session, user, four_eyes=deps.rule.four_eyes) if shown(d)]
            if may_decide
            else []
        )
        approvals = {d.id: await approvals_of(session, d.id, d.current_revision) for d in waiting}
        requests = [d for d in await listing.requested_by(session, user) if shown(d)]
        scheduled = [d for d in await listing.scheduled_until(session, now + SCHEDULED_AHEAD) if shown(d)]
        published = [
            (d, parts) for d, parts in await listing.published_since(session, now - PUBLISHED_SINCE) if shown(d)
        ]
    return HomeView(
        user=user,
        now=now,
        may_decide=may_decide,
        required=deps.rule.required,
        needs_decision=waiting,
        approvals=approvals,
        requests=requests,
        scheduled=scheduled,
        may_call_off=frozenset(d.id for d in scheduled if may_decide or d.requester_id == user),
        published=published,
        settings=settings,
    )


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
    app.action(action_ids.HOME_REFRESH)(handle_refresh)
