"""CDR tombstones (natural key, who, when, why) and retention floors: deletions stay deleted.

Revision ID: 0008_cdr_tombstones
Revises: 0007_contacts
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_cdr_tombstones"
down_revision = "0007_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cdr_tombstones",
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("node", "uniqueid", "sequence", name="pk_cdr_tombstones"),
    )
    op.create_index("ix_cdr_tombstones_deleted_at", "cdr_tombstones", ["deleted_at"])
    op.create_table(
        "retention_floors",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("purged_before", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_retention_floors"),
    )


def downgrade() -> None:
    op.drop_table("retention_floors")
    op.drop_index("ix_cdr_tombstones_deleted_at", table_name="cdr_tombstones")
    op.drop_table("cdr_tombstones")
