"""Grants: the doors for third parties (AMI users, API tokens, database roles, popup, CRM).

Revision ID: 0015_grants
Revises: 0014_findable_contacts
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_grants"
down_revision = "0014_findable_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("door", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("permit", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=True),
        sa.Column("until", sa.String(32), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("closed_at", sa.String(32), nullable=True),
        sa.Column("closed_by", sa.String(128), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.UniqueConstraint("token_hash", name="uq_grants_token_hash"),
    )
    op.create_index("ix_grants_door", "grants", ["door"])


def downgrade() -> None:
    op.drop_index("ix_grants_door", table_name="grants")
    op.drop_table("grants")
