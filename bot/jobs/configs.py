"""Settings → the plain configs the worker's jobs run with. Called only by the composition roots
(worker.py, and launch/ for `signoff digest` and `signoff worker`'s start check): no job reads
settings itself."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
from pydantic import SecretStr

from bot.settings import Settings, SettingsError
from destinations.registry import DestinationConfig, UnknownDestination, build_destinations
from pipeline.factory import PipelineConfig
from bot.jobs.deps import JobConfig
from bot.jobs.schedules import ScheduleConfig


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
        llm_base_url=settings.llm_base_url,
        llm_api_key=settings.secret("llm_api_key") or None,
        llm_model=settings.llm_model,
        llm_timeout_s=settings.llm_timeout_s,
        llm_max_attempts=settings.llm_max_attempts,
        run_deadline_s=settings.signoff_run_timeout_s,
        feeds=tuple(settings.signoff_feeds),
        notes_dir=settings.signoff_notes_dir,
        git_repo=settings.signoff_git_repo,
        fetch_topic_urls=settings.signoff_fetch_topic_urls,
    )


def schedule_config(settings: Settings) -> ScheduleConfig:
    return ScheduleConfig(
        timezone=settings.signoff_timezone,
        digest_schedule=settings.signoff_digest_schedule,
        digest_channels=tuple(settings.signoff_digest_channels),
        all_clear=settings.signoff_digest_all_clear,
        weekly_report=settings.signoff_weekly_report,
        ttl_h=settings.signoff_draft_ttl_h,
        reminder_after_h=tuple(float(h) for h in settings.signoff_reminder_after_h),
        approvers=tuple(settings.signoff_approvers),
    )


def job_config(settings: Settings) -> JobConfig:
    return JobConfig(
        lease_s=settings.signoff_job_lease_s,
        max_job_attempts=settings.signoff_max_job_attempts,
        required_approvals=settings.signoff_required_approvals,
        run_timeout_s=settings.signoff_run_timeout_s,
        draft_ttl_h=settings.signoff_draft_ttl_h,
        admins=tuple(settings.signoff_admins),
        audit_channel=settings.signoff_audit_channel,
        schedule=schedule_config(settings),
    )
