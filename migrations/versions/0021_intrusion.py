"""Intrusion response: its settings and the blocks it placed.

Revision ID: 0021_intrusion
Revises: 0020_notification_rules
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_intrusion"
down_revision = "0020_notification_rules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intrusion_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("block_s", sa.Integer(), nullable=False),
        sa.Column("allow", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intrusion_settings"),
    )
    op.create_table(
        "intrusion_blocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.String(45), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_at", sa.String(32), nullable=False),
        sa.Column("until", sa.String(32), nullable=False),
        sa.Column("ended_at", sa.String(32), nullable=True),
        sa.Column("ended_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_intrusion_blocks"),
    )
    op.create_index("ix_intrusion_blocks_address", "intrusion_blocks", ["address"])


def downgrade() -> None:
    op.drop_index("ix_intrusion_blocks_address", table_name="intrusion_blocks")
    op.drop_table("intrusion_blocks")
    op.drop_table("intrusion_settings")
