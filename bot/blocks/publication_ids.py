"""Action and view ids for the per-publication buttons, shared by builders and listeners."""

from __future__ import annotations

RETRY = "signoff_publication_retry"
MARK = "signoff_publication_mark"
SKIP = "signoff_publication_skip"
MARK_VIEW = "signoff_publication_mark_view"
URL_BLOCK = "published_url"
URL_INPUT = "url"
