"""Foundation: operation log (hash chain + head anchor) and bridge connection gaps.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

#: Downgrading past this revision drops the operation log ('voco db downgrade' refuses it unless
#: told to discard the log, and logs that first).
DOWNGRADE_DISCARDS_OPLOG = True


def upgrade() -> None:
    op.create_table(
        "oplog",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("command", sa.String(128), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_oplog"),
    )
    op.create_index("ix_oplog_command", "oplog", ["command"])
    op.create_table(
        "oplog_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oplog_head"),
    )
    op.create_table(
        "connection_gaps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("link", sa.String(8), nullable=False),
        sa.Column("gap_from", sa.String(32), nullable=False),
        sa.Column("gap_to", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reconciled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_connection_gaps"),
    )
    op.create_index("ix_connection_gaps_node", "connection_gaps", ["node"])


def downgrade() -> None:
    op.drop_index("ix_connection_gaps_node", table_name="connection_gaps")
    op.drop_table("connection_gaps")
    op.drop_table("oplog_head")
    op.drop_index("ix_oplog_command", table_name="oplog")
    op.drop_table("oplog")
