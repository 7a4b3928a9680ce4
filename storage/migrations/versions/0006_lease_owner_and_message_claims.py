"""who holds an outbox lease, and when a Slack message for a draft started being posted

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A lease names its holder, so a worker that lost its lease (another took the job over) can
    # tell, and a holder's renewal or release never touches someone else's lease.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(32), nullable=True))
    # A draft's parent line and thread message are claimed before chat.postMessage: a claim with no
    # ts means the poster died mid-call, and the next one looks for the message before posting again.
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("parent_posting_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("message_posting_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("message_posting_at")
        batch.drop_column("parent_posting_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_owner")
