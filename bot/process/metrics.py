"""Prometheus metrics: request latency measured here, everything else read from the database at
scrape time (so the numbers are the same whichever bot is scraped)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from storage.states import JobName
from storage.stats import Snapshot


def request_kind(raw_body: str) -> str:
    """command:/draft, block_actions, view_submission, event_callback … from a raw Slack body."""
    if raw_body.startswith("{"):
        return "event" if '"event_callback"' in raw_body else "json"
    try:
        form = parse_qs(raw_body, max_num_fields=40)
    except ValueError:  # more fields than any Slack request has: not worth a label of its own
        return "other"
    if "command" in form:
        return "command:" + form["command"][0][:32]
    if "payload" in form:
        payload = form["payload"][0]
        for kind in ("block_actions", "view_submission", "view_closed", "shortcut"):
            if f'"{kind}"' in payload[:200]:
                return kind
        return "interaction"
    return "other"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("signoff_slack_requests", "Slack requests answered", ["kind", "status"], registry=r)
        self.latency = Histogram(
            "signoff_slack_ack_seconds",
            "Time from request to acknowledgement",
            ["kind"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5),
            registry=r,
        )
        self.drafts = Gauge("signoff_drafts", "Drafts by status", ["status"], registry=r)
        self.runs = Gauge("signoff_runs", "Pipeline runs by outcome", ["status"], registry=r)
        self.decisions = Gauge("signoff_decisions", "Decisions recorded, by kind", ["kind"], registry=r)
        self.publications = Gauge(
            "signoff_publications",
            "Publication parts by destination and outcome",
            ["destination", "status"],
            registry=r,
        )
        self.retries = Gauge("signoff_publish_retries", "Publish attempts that will be retried", registry=r)
        self.backlog = Gauge("signoff_outbox_backlog", "Outbox jobs due and not done", registry=r)
        self.dead = Gauge(
            "signoff_outbox_dead",
            "Jobs given up after their attempts (each shown as a failure in its thread)",
            ["job"],
            registry=r,
        )
        self.queue_depth = Gauge("signoff_queue_depth", "Jobs waiting in Redis", registry=r)
        self.stage = Gauge(
            "signoff_stage_duration_seconds",
            "Pipeline stage duration over recent runs",
            ["stage", "quantile"],
            registry=r,
        )

    def observe(self, kind: str, status: int, started: float) -> None:
        self.requests.labels(kind, str(status)).inc()
        self.latency.labels(kind).observe(time.perf_counter() - started)

    def render(self, snap: Snapshot | None, queue_depth: int | None) -> bytes:
        if snap is not None:
            for gauge, values in (
                (self.drafts, snap.drafts_by_status),
                (self.runs, snap.runs_by_status),
                (self.decisions, snap.decisions),
            ):
                gauge.clear()
                for label, count in values.items():
                    gauge.labels(label).set(count)
            self.publications.clear()
            for (destination, status), count in snap.publications.items():
                self.publications.labels(destination, status).set(count)
            self.retries.set(snap.publish_retries)
            self.backlog.set(snap.outbox_backlog)
            self.dead.clear()
            for job in (*(name.value for name in JobName), *snap.dead_jobs):
                self.dead.labels(job).set(snap.dead_jobs.get(job, 0))
            self.stage.clear()
            for stage, values in snap.stage_ms.items():
                for q in (0.5, 0.95):
                    self.stage.labels(stage, str(q)).set(_quantile(values, q) / 1000)
        if queue_depth is not None:
            self.queue_depth.set(queue_depth)
        return generate_latest(self.registry)
