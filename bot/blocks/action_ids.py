"""Action ids shared by the Block Kit builders and the listeners."""
from __future__ import annotations

APPROVE = "signoff_approve"
EDIT = "signoff_edit"
REGENERATE = "signoff_regenerate"
SKIP = "signoff_skip"
SCHEDULE = "signoff_schedule"
# Shown only while a revision has claims no source supports; approvers vouch for them with it.
ACCEPT_CLAIMS = "signoff_accept_claims"

# Undo an approval inside its window, or unschedule a scheduled publish, until publishing starts.
CALL_OFF = "signoff_call_off"

DRAFT_BUTTONS = (APPROVE, SCHEDULE, EDIT, REGENERATE, SKIP)
