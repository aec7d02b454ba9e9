"""Packet captures ('voco capture') and their wrapped data keys.

Revision ID: 0025_captures
Revises: 0024_sealed_cdr
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_captures"
down_revision = "0024_sealed_cdr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("bpf", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("deadline_at", sa.String(32), nullable=False),
        sa.Column("max_bytes", sa.BigInteger(), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("runner_pid", sa.Integer(), nullable=True),
        sa.Column("dumpcap_pid", sa.Integer(), nullable=True),
        sa.Column("stopped_at", sa.String(32), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("plain_size", sa.BigInteger(), nullable=True),
        sa.Column("key_id", sa.String(36), nullable=True),
        sa.Column("master_key_id", sa.String(16), nullable=True),
        sa.Column("deleted_at", sa.String(32), nullable=True),
        sa.Column("deleted_by", sa.String(128), nullable=True),
        sa.Column("delete_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
        sa.UniqueConstraint("key_id", name="uq_captures_key_id"),
    )
    op.create_index("ix_captures_node", "captures", ["node"])
    op.create_index("ix_captures_state", "captures", ["state"])
    op.create_table(
        "capture_keys",
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("capture_id", sa.String(40), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"],
                                name="fk_capture_keys_capture_id_captures"),
        sa.PrimaryKeyConstraint("key_id", name="pk_capture_keys"),
        sa.UniqueConstraint("capture_id", name="uq_capture_keys_capture_id"),
    )
    op.create_index("ix_capture_keys_master_key_id", "capture_keys", ["master_key_id"])


def downgrade() -> None:
    op.drop_index("ix_capture_keys_master_key_id", table_name="capture_keys")
    op.drop_table("capture_keys")
    op.drop_index("ix_captures_state", table_name="captures")
    op.drop_index("ix_captures_node", table_name="captures")
    op.drop_table("captures")
