from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from destinations.base import Destination
from destinations.registry import KNOWN, DestinationConfig, MissingSetting, UnknownDestination, build_destinations


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


FULL = DestinationConfig(
    webhook_url="http://hook.test",
    webhook_secret="s",
    x_api_key="k",
    x_api_secret="s",
    x_access_token="1-t",
    x_access_token_secret="ts",
    mastodon_base_url="http://masto.test",
    mastodon_token="t",
    bluesky_handle="me.test",
    bluesky_app_password="p",
    devto_api_key="d",
    slack_bot_token="xoxb",
    slack_publish_channel="C1",
)


def test_every_known_destination_builds_from_a_full_config_and_keeps_the_protocol(http: httpx.AsyncClient) -> None:
    built = build_destinations(list(KNOWN), FULL, http)
    assert set(built) == set(KNOWN)
    for name, dest in built.items():
        assert isinstance(dest, Destination)
        assert dest.name == name


@pytest.mark.parametrize(
    "name, env",
    [
        ("x", "X_ACCESS_TOKEN_SECRET"),
        ("mastodon", "MASTODON_TOKEN"),
        ("bluesky", "BLUESKY_APP_PASSWORD"),
        ("devto", "DEVTO_API_KEY"),
        ("slack", "SLACK_PUBLISH_CHANNEL"),
        ("webhook", "WEBHOOK_SECRET"),
    ],
)
def test_a_missing_credential_names_its_environment_variable(name: str, env: str, http: httpx.AsyncClient) -> None:
    config = DestinationConfig(**{**FULL.__dict__, env.lower(): None})
    with pytest.raises(MissingSetting, match=env):
        build_destinations([name], config, http)


def test_a_bad_mastodon_visibility_is_a_clear_setting_error(http: httpx.AsyncClient) -> None:
    config = DestinationConfig(**{**FULL.__dict__, "mastodon_visibility": "everyone"})
    with pytest.raises(MissingSetting, match="MASTODON_VISIBILITY"):
        build_destinations(["mastodon"], config, http)


def test_an_unknown_name_lists_the_known_ones(http: httpx.AsyncClient) -> None:
    with pytest.raises(UnknownDestination, match="linkedin"):
        build_destinations(["myspace"], FULL, http)


def test_linkedin_needs_no_settings_and_is_a_handoff(http: httpx.AsyncClient) -> None:
    built = build_destinations(["linkedin", "dryrun"], DestinationConfig(), http)
    assert built["linkedin"].capabilities.handoff and not built["dryrun"].capabilities.handoff
