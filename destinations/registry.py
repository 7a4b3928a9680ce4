"""The explicit table of destinations: a name in SIGNOFF_DESTINATIONS maps to one constructor here."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from destinations.base import Destination
from destinations.dryrun import DryRun
from destinations.webhook import Webhook

KNOWN = ("dryrun", "webhook")


class UnknownDestination(ValueError):
    pass


@dataclass(frozen=True)
class DestinationConfig:
    """Plain values the composition root reads from settings; secrets already unwrapped."""

    webhook_url: str | None = None
    webhook_secret: str | None = None


def build_destinations(
    names: list[str], config: DestinationConfig, http: httpx.AsyncClient
) -> dict[str, Destination]:
    registry: dict[str, Destination] = {}
    for name in names:
        if name == "dryrun":
            registry[name] = DryRun()
        elif name == "webhook":
            if not config.webhook_url or not config.webhook_secret:
                raise UnknownDestination("the webhook destination needs WEBHOOK_URL and WEBHOOK_SECRET")
            registry[name] = Webhook(config.webhook_url, config.webhook_secret, http)
        else:
            raise UnknownDestination(f"unknown destination {name!r}; known: {', '.join(KNOWN)}")
    return registry
