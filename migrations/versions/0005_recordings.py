"""Recordings: encrypted recordings, their wrapped data keys (the shred point), tombstones.

Revision ID: 0005_recordings
Revises: 0004_cdr
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_recordings"
down_revision = "0004_cdr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(160), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("parties", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("ended_at", sa.String(32), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("partial", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("plain_size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recordings"),
        sa.UniqueConstraint("key_id", name="uq_recordings_key_id"),
    )
    op.create_index("ix_recordings_node", "recordings", ["node"])
    op.create_index("ix_recordings_linkedid", "recordings", ["linkedid"])
    op.create_table(
        "recording_keys",
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("recording_id", sa.String(160), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_recording_keys"),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name="fk_recording_keys_recording_id_recordings"),
    )
    op.create_index("ix_recording_keys_recording_id", "recording_keys", ["recording_id"])
    op.create_index("ix_recording_keys_master_key_id", "recording_keys", ["master_key_id"])
    op.create_table(
        "recording_tombstones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recording_id", sa.String(160), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.String(32), nullable=False),
        sa.Column("deleted_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recording_tombstones"),
    )
    op.create_index("ix_recording_tombstones_recording_id", "recording_tombstones",
                    ["recording_id"])
    op.create_index("ix_recording_tombstones_linkedid", "recording_tombstones", ["linkedid"])


def downgrade() -> None:
    op.drop_table("recording_tombstones")
    op.drop_table("recording_keys")
    op.drop_table("recordings")
