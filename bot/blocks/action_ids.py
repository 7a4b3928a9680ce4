"""Action ids shared by the Block Kit builders and the listeners."""
from __future__ import annotations

APPROVE = "signoff_approve"
EDIT = "signoff_edit"
REGENERATE = "signoff_regenerate"
SKIP = "signoff_skip"
SCHEDULE = "signoff_schedule"
# Shown only while a revision has claims no source supports; approvers vouch for them with it.
ACCEPT_CLAIMS = "signoff_accept_claims"

DRAFT_BUTTONS = (APPROVE, SCHEDULE, EDIT, REGENERATE, SKIP)
