"""Action ids shared by the Block Kit builders and the listeners."""

from __future__ import annotations

APPROVE = "signoff_approve"
EDIT = "signoff_edit"
REGENERATE = "signoff_regenerate"
SKIP = "signoff_skip"
SCHEDULE = "signoff_schedule"
# Shown only while a revision has claims no source supports; approvers vouch for them with it.
ACCEPT_CLAIMS = "signoff_accept_claims"

# Opens the dialog with one alt text input per image of the draft.
ALT_TEXT = "signoff_alt_text"

# Undo an approval inside its window, or unschedule a scheduled publish, until publishing starts.
CALL_OFF = "signoff_call_off"

# A digest's bulk decisions: each shown draft decided one by one under the usual rules.
APPROVE_SHOWN = "signoff_approve_shown"
SKIP_SHOWN = "signoff_skip_shown"
# The App Home's Refresh button.
HOME_REFRESH = "signoff_home_refresh"

DRAFT_BUTTONS = (APPROVE, SCHEDULE, EDIT, REGENERATE, SKIP)
