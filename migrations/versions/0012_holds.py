"""Legal holds: a subject or a call that nothing may destroy until the hold is released.

Revision ID: 0012_holds
Revises: 0011_recording_parties
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_holds"
down_revision = "0011_recording_parties"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("held_subject", sa.String(32), nullable=True),
        sa.Column("subject_label", sa.LargeBinary(), nullable=True),
        sa.Column("held_call", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.String(10), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("released_at", sa.String(32), nullable=True),
        sa.Column("released_by", sa.String(128), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )
    op.create_index("ix_legal_holds_held_subject", "legal_holds", ["held_subject"])
    op.create_index("ix_legal_holds_held_call", "legal_holds", ["held_call"])


def downgrade() -> None:
    op.drop_index("ix_legal_holds_held_call", table_name="legal_holds")
    op.drop_index("ix_legal_holds_held_subject", table_name="legal_holds")
    op.drop_table("legal_holds")
