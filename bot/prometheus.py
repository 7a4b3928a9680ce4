"""What both processes' `/metrics` pages share: the text format they serve."""

from __future__ import annotations

# generate_latest() writes the 0.0.4 text format, whatever prometheus_client's newest one is.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
