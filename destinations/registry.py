"""The explicit table of destinations: a name in SIGNOFF_DESTINATIONS maps to one constructor here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from destinations.base import Destination
from destinations.bluesky import Bluesky
from destinations.devto import DevTo
from destinations.dryrun import DryRun
from destinations.linkedin import LinkedIn
from destinations.mastodon import Mastodon
from destinations.slack_channel import SlackChannel
from destinations.webhook import Webhook
from destinations.x import X

KNOWN = ("dryrun", "webhook", "x", "mastodon", "bluesky", "devto", "slack", "linkedin")


class UnknownDestination(ValueError):
    pass


class MissingSetting(UnknownDestination):
    """A chosen destination lacks a setting; the message names the environment variables."""


@dataclass(frozen=True)
class DestinationConfig:
    """Plain values the composition root reads from settings; secrets already unwrapped.

    Each field's environment variable is its name in upper case (x_api_key → X_API_KEY).
    """

    webhook_url: str | None = None
    webhook_secret: str | None = None
    x_api_key: str | None = None
    x_api_secret: str | None = None
    x_access_token: str | None = None
    x_access_token_secret: str | None = None
    x_api_url: str = "https://api.twitter.com"
    mastodon_base_url: str | None = None
    mastodon_token: str | None = None
    mastodon_visibility: str = "public"
    mastodon_max_chars: int = 500
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None
    bluesky_service_url: str = "https://bsky.social"
    devto_api_key: str | None = None
    devto_api_url: str = "https://dev.to"
    devto_publish: bool = False
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api"
    slack_publish_channel: str | None = None
    # Read timeout for X's own aiohttp session (the others use the httpx client's timeouts).
    x_timeout_s: float = 30.0


# Settings each destination cannot work without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "webhook": ("webhook_url", "webhook_secret"),
    "x": ("x_api_key", "x_api_secret", "x_access_token", "x_access_token_secret"),
    "mastodon": ("mastodon_base_url", "mastodon_token"),
    "bluesky": ("bluesky_handle", "bluesky_app_password"),
    "devto": ("devto_api_key",),
    "slack": ("slack_bot_token", "slack_publish_channel"),
}

Builder = Callable[[DestinationConfig, httpx.AsyncClient], Destination]
BUILDERS: dict[str, Builder] = {
    "dryrun": lambda c, http: DryRun(),
    "webhook": lambda c, http: Webhook(c.webhook_url or "", c.webhook_secret or "", http),
    "x": lambda c, http: X(
        c.x_api_key or "",
        c.x_api_secret or "",
        c.x_access_token or "",
        c.x_access_token_secret or "",
        api_url=c.x_api_url,
        timeout_s=c.x_timeout_s,
    ),
    "mastodon": lambda c, http: Mastodon(
        c.mastodon_base_url or "",
        c.mastodon_token or "",
        http,
        visibility=c.mastodon_visibility,
        max_chars=c.mastodon_max_chars,
    ),
    "bluesky": lambda c, http: Bluesky(
        c.bluesky_handle or "", c.bluesky_app_password or "", http, service_url=c.bluesky_service_url
    ),
    "devto": lambda c, http: DevTo(c.devto_api_key or "", http, api_url=c.devto_api_url, publish=c.devto_publish),
    "slack": lambda c, http: SlackChannel(
        c.slack_bot_token or "", c.slack_publish_channel or "", http, api_url=c.slack_api_url
    ),
    "linkedin": lambda c, http: LinkedIn(),
}


def build_destinations(names: list[str], config: DestinationConfig, http: httpx.AsyncClient) -> dict[str, Destination]:
    registry: dict[str, Destination] = {}
    for name in names:
        if name not in BUILDERS:
            raise UnknownDestination(f"unknown destination {name!r}; known: {', '.join(KNOWN)}")
        missing = [field.upper() for field in REQUIRED.get(name, ()) if not getattr(config, field)]
        if missing:
            raise MissingSetting(f"the {name} destination needs {' and '.join(missing)}")
        try:
            registry[name] = BUILDERS[name](config, http)
        except ValueError as exc:  # a setting with a value the platform cannot take
            raise MissingSetting(f"the {name} destination cannot start: {exc}") from exc
    return registry
