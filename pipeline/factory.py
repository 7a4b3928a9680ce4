"""Build the stages for a real run from plain configuration values.

The worker is the composition root: it reads settings once, fills `PipelineConfig`, owns the
`httpx.AsyncClient`, and calls `build_stages(config, http)`, then for each run
`run_pipeline(brief, build_context(progress, http, config.run_deadline_s), stages)`.
Suggested environment variables are listed in `ENV_VARS`; `config_from_env` maps them for callers
that have no settings class of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from pipeline.base import ProgressCallback, RunContext, Stage
from pipeline.deadline import DEFAULT_RUN_DEADLINE_S, Deadline
from pipeline.fetch import FetchPolicy
from pipeline.llm import LLMClient
from pipeline.sources import SourceReader
from pipeline.sources.feeds import FeedReader
from pipeline.sources.git import GitLogReader
from pipeline.sources.notes import NotesReader
from pipeline.sources.web import TopicUrlReader
from pipeline.stages.collect import make_collect
from pipeline.stages.critique import make_critique
from pipeline.stages.curate import make_curate
from pipeline.stages.plan import plan
from pipeline.stages.policy import policy
from pipeline.stages.write import make_write
from pipeline.stages.write_offline import write_offline


@dataclass(frozen=True)
class PipelineConfig:
    """Plain values only; secrets already unwrapped. No LLM base URL means the offline writer.

    `run_deadline_s` bounds a whole run; `llm_timeout_s` one model call (cut to the time the run
    has left). With the defaults a silent model fails after 45 s (30 s, then the 15 s left) and a
    model that keeps answering 503 after four tries, with at most 7 s of backoff between them.
    """

    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 30.0
    llm_max_attempts: int = 4
    llm_max_retry_wait_s: float = 20.0
    llm_heartbeat_s: float = 10.0
    run_deadline_s: float = DEFAULT_RUN_DEADLINE_S
    feeds: tuple[str, ...] = ()
    notes_dir: str | None = None
    git_repo: str | None = None
    git_max_commits: int = 30
    fetch_topic_urls: bool = True
    fetch_max_bytes: int = 1_000_000
    fetch_timeout_s: float = 10.0
    fetch_max_redirects: int = 3
    curate_keep: int = 5

    @property
    def fetch_policy(self) -> FetchPolicy:
        # Private addresses are never allowed from configuration; only tests build such a policy.
        return FetchPolicy(
            max_bytes=self.fetch_max_bytes, timeout_s=self.fetch_timeout_s, max_redirects=self.fetch_max_redirects
        )


ENV_VARS = {
    "LLM_BASE_URL": "llm_base_url",
    "LLM_API_KEY": "llm_api_key",
    "LLM_MODEL": "llm_model",
    "LLM_TIMEOUT_S": "llm_timeout_s",
    "LLM_MAX_ATTEMPTS": "llm_max_attempts",
    "SIGNOFF_RUN_TIMEOUT_S": "run_deadline_s",
    "SIGNOFF_FEEDS": "feeds",
    "SIGNOFF_NOTES_DIR": "notes_dir",
    "SIGNOFF_GIT_REPO": "git_repo",
    "SIGNOFF_FETCH_TOPIC_URLS": "fetch_topic_urls",
    "SIGNOFF_FETCH_MAX_BYTES": "fetch_max_bytes",
    "SIGNOFF_FETCH_TIMEOUT_S": "fetch_timeout_s",
}


def config_from_env(env: Mapping[str, str]) -> PipelineConfig:
    """`SIGNOFF_FEEDS` is comma- or newline-separated URLs or file paths; empty values are unset."""
    values: dict[str, object] = {}
    for name, field_name in ENV_VARS.items():
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        if field_name == "feeds":
            values[field_name] = tuple(f.strip() for f in raw.replace("\n", ",").split(",") if f.strip())
        elif field_name == "fetch_topic_urls":
            values[field_name] = raw.lower() not in ("0", "false", "no", "off")
        elif field_name.endswith("_s"):
            values[field_name] = float(raw)
        elif field_name.endswith(("_bytes", "_attempts")):
            values[field_name] = int(raw)
        else:
            values[field_name] = raw
    return PipelineConfig(**values)  # type: ignore[arg-type]


def build_llm(config: PipelineConfig, http: httpx.AsyncClient) -> LLMClient | None:
    if not config.llm_base_url:
        return None
    return LLMClient(
        http,
        base_url=config.llm_base_url,
        api_key=config.llm_api_key,
        model=config.llm_model,
        timeout_s=config.llm_timeout_s,
        max_attempts=config.llm_max_attempts,
        max_retry_wait_s=config.llm_max_retry_wait_s,
        heartbeat_s=config.llm_heartbeat_s,
        budget_s=config.run_deadline_s,
    )


def build_readers(config: PipelineConfig, http: httpx.AsyncClient) -> list[SourceReader]:
    policy_ = config.fetch_policy
    readers: list[SourceReader] = [FeedReader(feed, http, policy_) for feed in config.feeds]
    if config.fetch_topic_urls:
        readers.append(TopicUrlReader(http, policy_))
    if config.notes_dir:
        readers.append(NotesReader(config.notes_dir))
    if config.git_repo:
        readers.append(GitLogReader(config.git_repo, max_commits=config.git_max_commits))
    return readers


def build_stages(config: PipelineConfig, http: httpx.AsyncClient) -> list[Stage]:
    """collect → curate → plan → write → critique → policy, with the model only when configured."""
    llm = build_llm(config, http)
    return [
        make_collect(build_readers(config, http)),
        make_curate(config.curate_keep),
        plan,
        make_write(llm) if llm else write_offline,
        make_critique(llm),
        policy,
    ]


def build_context(
    progress: ProgressCallback | None = None,
    http: httpx.AsyncClient | None = None,
    deadline_s: float = DEFAULT_RUN_DEADLINE_S,
) -> RunContext:
    """A run's context; its deadline starts now (build it when the run starts, not before)."""
    return RunContext(progress=progress, http=http, deadline=Deadline.after(deadline_s))
