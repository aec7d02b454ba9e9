"""Operation log: a sealed genesis record, and an entry count in the head.

Revision ID: 0009_oplog_genesis
Revises: 0008_cdr_tombstones
Create Date: 2026-11-30

A log written before this revision has no genesis record and an unlabelled head MAC, so
``voco oplog verify`` reports it as broken; Voco had no release before it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_oplog_genesis"
down_revision = "0008_cdr_tombstones"
branch_labels = None
depends_on = None

#: Downgrading past this revision loses the genesis record: the log could never verify again,
#: so 'voco db downgrade' refuses it unless told to discard the operation log.
DOWNGRADE_DISCARDS_OPLOG = True


def upgrade() -> None:
    op.create_table(
        "oplog_genesis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("restarted_from", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oplog_genesis"),
    )
    with op.batch_alter_table("oplog_head") as batch:
        batch.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("oplog_head") as batch:
        batch.alter_column("count", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("oplog_head") as batch:
        batch.drop_column("count")
    op.drop_table("oplog_genesis")
