"""signoff_chain_hash(prev_hash, prefix, seq): an audit append hashes in the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# `audit.append` inserts the next event straight from the head row in one statement, so the hash
# (sha256 of the previous hash + the canonical content, whose last field is the sequence number)
# is finished in SQL: storage.audit.chain_hash_of_prefix is the same function in Python, and
# append checks the two agree. sha256() needs PostgreSQL 11 or newer. On SQLite the function is
# registered on every connection (storage/db.py), so there is nothing to create.
POSTGRES_FUNCTION = """
CREATE FUNCTION signoff_chain_hash(prev_hash text, prefix bytea, seq integer) RETURNS text AS $$
    SELECT encode(sha256(convert_to(prev_hash, 'UTF8') || prefix || convert_to(seq::text || '}', 'UTF8')), 'hex')
$$ LANGUAGE sql IMMUTABLE STRICT
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS signoff_chain_hash(text, bytea, integer)")
