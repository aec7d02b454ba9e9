"""Bridge: per-node, per-link heartbeat (the last sign of life before a crash or stop).

Revision ID: 0002_bridge
Revises: 0001_foundation
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_bridge"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bridge_heartbeats",
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("link", sa.String(8), nullable=False),
        sa.Column("last_seen", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("node", "link", name="pk_bridge_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("bridge_heartbeats")
