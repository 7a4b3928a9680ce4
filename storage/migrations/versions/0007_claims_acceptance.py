"""how many claims of a revision no source supports, and who accepted them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A revision with claims no source supports cannot be approved until an approver accepts
    # them (or an edit removes them); approval reads these columns under the draft's lock.
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("unsupported_claims", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("claims_accepted_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("claims_accepted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("claims_accepted_at")
        batch.drop_column("claims_accepted_by")
        batch.drop_column("unsupported_claims")
