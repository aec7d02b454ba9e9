"""Debug-log windows ('voco debug on/off').

Revision ID: 0016_debug_windows
Revises: 0015_grants
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_debug_windows"
down_revision = "0015_grants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "debug_windows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("levels", sa.String(200), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("ended_at", sa.String(32), nullable=True),
        sa.Column("ended_by", sa.String(128), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("exported", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_debug_windows"),
    )
    op.create_index("ix_debug_windows_node", "debug_windows", ["node"])


def downgrade() -> None:
    op.drop_index("ix_debug_windows_node", table_name="debug_windows")
    op.drop_table("debug_windows")
