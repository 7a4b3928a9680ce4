"""All configuration, read once from the environment (and an optional .env) in each composition root."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL

    redis_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///signoff.db"

    signoff_approvers: CsvList = Field(default_factory=list)
    signoff_admins: CsvList = Field(default_factory=list)
    # Four eyes: whoever requested a draft cannot be its only approver.
    signoff_four_eyes: bool = True
    signoff_required_approvals: int = Field(default=1, ge=1, le=10)
    # After the approval that suffices, publishing waits this long with an Undo button (0: at once).
    signoff_undo_s: float = Field(default=30.0, ge=0, le=600)
    signoff_drafts_per_hour: int = Field(default=20, ge=1)
    signoff_audit_channel: str | None = None
    signoff_destinations: CsvList = Field(default_factory=lambda: ["dryrun"])
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    # Destinations (see README "Configuration"); names match destinations.registry.DestinationConfig.
    x_api_key: SecretStr | None = None
    x_api_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    x_api_url: str = "https://api.twitter.com"
    mastodon_base_url: str | None = None
    mastodon_token: SecretStr | None = None
    mastodon_visibility: str = "public"
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None
    bluesky_service_url: str = "https://bsky.social"
    devto_api_key: SecretStr | None = None
    devto_api_url: str = "https://dev.to"
    devto_publish: bool = False
    slack_publish_channel: str | None = None

    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    # One model call; cut to the time the run has left (SIGNOFF_RUN_TIMEOUT_S bounds the whole run).
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_attempts: int = Field(default=4, ge=1, le=20)
    signoff_feeds: CsvList = Field(default_factory=list)
    signoff_notes_dir: str | None = None
    signoff_git_repo: str | None = None
    signoff_fetch_topic_urls: bool = True

    signoff_max_topic_chars: int = Field(default=500, ge=10, le=3000)
    signoff_job_lease_s: float = Field(default=20.0, gt=0)
    signoff_sweep_interval_s: float = Field(default=10.0, gt=0)
    # A silent or always-busy model ends in a visible failure within a minute of /draft.
    signoff_run_timeout_s: float = Field(default=45.0, gt=0)
    signoff_max_job_attempts: int = Field(default=5, ge=1)
    signoff_poll_delay_s: float = Field(default=0.05, gt=0)
    # Jobs one worker runs at once. They mostly wait on the model and on Slack's pacing, so more than
    # arq's 10 keeps a burst's model calls in flight; docs/benchmarks.md "Burst" measured the default.
    signoff_worker_concurrency: int = Field(default=50, ge=1, le=1000)
    # Pace every Slack call within Slack's published limits (bot/slack/budget.py), shared through
    # Redis. Off only for a Slack that enforces none, such as the local one in some benchmarks.
    signoff_slack_pacing: bool = True
    signoff_worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)
    signoff_data_dir: str = ".signoff"
    signoff_log_level: str = "INFO"

    # Schedules (digests, reminders, expiry); a channel's `/signoff config digest` overrides them.
    signoff_timezone: str = "UTC"
    signoff_digest_schedule: str = "weekdays 09:00"
    signoff_digest_channels: CsvList = Field(default_factory=list)
    signoff_digest_all_clear: bool = False
    signoff_draft_ttl_h: float = Field(default=72.0, gt=0)
    signoff_reminder_after_h: CsvList = Field(default_factory=list)
    signoff_weekly_report: bool = False

    @field_validator("signoff_approvers", "signoff_admins", "signoff_destinations", "signoff_feeds", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("signoff_digest_channels", "signoff_reminder_after_h", mode="before")
    @classmethod
    def _schedule_csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("signoff_reminder_after_h")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                assert float(item) > 0
            except (ValueError, AssertionError):
                raise ValueError(f"{item!r} is not a positive number of hours, e.g. 4,24") from None
        return value

    @field_validator("signoff_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from bot.parsing.timeparse import zone

        zone(value)
        return value

    @field_validator("signoff_digest_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.parsing.timeparse import parse_schedule

        parse_schedule(value)
        return value

    @field_validator("signoff_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://", "postgresql://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        return value

    @field_validator("signoff_destinations")
    @classmethod
    def _some_destination(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one destination, e.g. dryrun")
        return value

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else ""


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        # pydantic prefixes the messages our validators raise; the setting's name says enough.
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None


def require(settings: Settings, *names: str) -> None:
    """Stop with one clear line when a setting the chosen command needs is absent."""
    for name in names:
        if not getattr(settings, name):
            raise SettingsError(f"{name.upper()} is not set; see README.md, 'Configuration'")
