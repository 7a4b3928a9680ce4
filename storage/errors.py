"""Storage errors.

    StorageError            something about the database itself went wrong
    ├── SchemaMismatch      the schema is older than this release's; the message says what to run
    └── UnknownDraft        a draft id that does not exist (a user typed it, or a stale button)

Refused decisions are not errors: they come back as `Outcome` values (see storage.transitions).
"""

from __future__ import annotations


class StorageError(Exception):
    pass


class SchemaMismatch(StorageError):
    """Raised at start (storage.migrate.prepare), before anything is served."""


class UnknownDraft(StorageError):
    def __init__(self, draft_id: int) -> None:
        super().__init__(f"draft {draft_id} does not exist")
        self.draft_id = draft_id
