"""Settings → what the worker builds from them: destination and pipeline configs, and the brief a
run hands the pipeline (each chosen destination's real limits and way of counting)."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import httpx
from pydantic import SecretStr

from bot.settings import Settings, SettingsError
from destinations.registry import DestinationConfig, UnknownDestination, build_destinations
from pipeline.base import DestinationCapabilities, DraftBrief
from pipeline.factory import PipelineConfig


def destination_config(settings: Settings) -> DestinationConfig:
    """Copy every DestinationConfig field that Settings has under the same name, secrets unwrapped."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(DestinationConfig):
        value = getattr(settings, f.name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            values[f.name] = value
    values["slack_bot_token"] = settings.secret("slack_bot_token") or None
    values["slack_api_url"] = settings.slack_api_url
    return DestinationConfig(**values)


async def check_destinations(settings: Settings) -> None:
    """Fail at start, in one line, when a chosen destination is unknown or lacks a credential."""
    async with httpx.AsyncClient() as unused:  # building makes no request
        try:
            build_destinations(settings.signoff_destinations, destination_config(settings), unused)
        except UnknownDestination as exc:
            raise SettingsError(f"SIGNOFF_DESTINATIONS: {exc}") from None


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        llm_base_url=settings.llm_base_url, llm_api_key=settings.secret("llm_api_key") or None,
        llm_model=settings.llm_model, llm_timeout_s=settings.llm_timeout_s,
        llm_max_attempts=settings.llm_max_attempts, run_deadline_s=settings.signoff_run_timeout_s,
        feeds=tuple(settings.signoff_feeds), notes_dir=settings.signoff_notes_dir,
        git_repo=settings.signoff_git_repo, fetch_topic_urls=settings.signoff_fetch_topic_urls)


def brief_for(destinations: Mapping[str, Any], draft: Any, feedback: str | None,
              previous_text: str | None = None, blocked_terms: list[str] | None = None) -> DraftBrief:
    """What the pipeline is asked for, including each destination's real limits and counting."""
    chosen = {name: dest for name, dest in destinations.items() if name in draft.destinations}
    return DraftBrief(
        topic=draft.topic, destinations=list(draft.destinations), feedback=feedback,
        previous_text=previous_text, blocked_terms=blocked_terms or [],
        limits={name: dest.capabilities.max_length for name, dest in chosen.items()},
        capabilities={name: DestinationCapabilities(
            max_length=dest.capabilities.max_length, length_unit=dest.capabilities.length_unit.value,
            threads=dest.capabilities.threads, markdown=dest.capabilities.markdown)
            for name, dest in chosen.items()})
