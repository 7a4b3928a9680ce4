"""Everything Slack-shaped, for both processes, in one room per concern:

    process/    the bot process: its composition root, the Bolt app, the HTTP server, metrics
    listeners/  Slack input: one module per kind of request; record what was asked, answer Slack
    parsing/    pure readers of what people type (`/draft` options, times, draft ids)
    blocks/     pure Block Kit builders, action ids and every sentence a person reads
    slack/      Slack output: the Web API client, pacing, posting a draft's messages exactly once
    jobs/       the worker's jobs (draft runs, publishing, the outbox sweep, schedules), composed
                in worker.py; the only code that calls pipeline/ and destinations/

Arrows point one way (tests/test_architecture.py fails on one that runs backwards):
process → listeners → slack → blocks → parsing, and jobs → slack; everything may use storage/ and
the shared modules here. Only jobs/ and the composition roots (process/runtime.py, worker.py)
import pipeline/ or destinations/.

Shared by both processes: settings.py (pydantic-settings; read only by composition roots),
logs.py + log_context.py (JSON lines, redacted), redaction.py (settings → the one Redactor),
queue.py (arq enqueue that never raises), prometheus.py (the /metrics text format).
"""
