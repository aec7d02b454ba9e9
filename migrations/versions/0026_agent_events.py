"""Agent activity read from Asterisk's queue_log.

Revision ID: 0026_agent_events
Revises: 0025_captures
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_agent_events"
down_revision = "0025_captures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("line_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("callid", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(128), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("agent_subject", sa.String(32), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=True),
        sa.Column("talk_s", sa.Integer(), nullable=True),
        sa.Column("ring_s", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agent_events"),
        sa.UniqueConstraint("node", "line_hash", name="uq_agent_events_node"),
    )
    for column in ("node", "at", "callid", "queue", "agent", "agent_subject"):
        op.create_index(f"ix_agent_events_{column}", "agent_events", [column])


def downgrade() -> None:
    for column in ("node", "at", "callid", "queue", "agent", "agent_subject"):
        op.drop_index(f"ix_agent_events_{column}", table_name="agent_events")
    op.drop_table("agent_events")
