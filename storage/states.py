"""Status values and job names stored in the database, defined once for storage and the bot."""

from __future__ import annotations

from enum import Enum


class DraftStatus(str, Enum):
    generating = "generating"
    pending = "pending"
    needs_attention = "needs_attention"
    approved = "approved"
    publishing = "publishing"
    published = "published"
    partially_published = "partially_published"
    skipped = "skipped"
    expired = "expired"
    failed = "failed"


class RunStatus(str, Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class JobName(str, Enum):
    """The worker's jobs: an outbox row's `job` and the arq function that runs it (worker.py)."""

    run_draft = "run_draft"
    publish_draft = "publish_draft"
    attach_media = "attach_media"  # images shared in a draft's thread, fetched and cleaned by the worker
    remove_media = "remove_media"  # images removed in the dialog, the rest judged again by the destinations


class OutboxStatus(str, Enum):
    pending = "pending"
    done = "done"
    dead = "dead"


class PublicationStatus(str, Enum):
    claimed = "claimed"
    published = "published"
    retrying = "retrying"
    failed = "failed"
    unconfirmed = "unconfirmed"
    handoff = "handoff"  # waiting for a person to post it by hand (LinkedIn)
    skipped = "skipped"  # a person chose not to publish this part
