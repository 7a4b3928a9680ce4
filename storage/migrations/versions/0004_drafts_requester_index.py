"""an index for the per-user hourly limit (a user's drafts since a time)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 16:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without it every /draft counted the user's drafts by scanning the whole table.
    op.create_index("ix_drafts_requester_created", "drafts", ["requester_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_drafts_requester_created", table_name="drafts")
