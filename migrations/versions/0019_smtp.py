"""The SMTP door's settings (one row; the relay password sealed by the master key).

Revision ID: 0019_smtp
Revises: 0018_sealed_people
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_smtp"
down_revision = "0018_sealed_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "smtp_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(8), nullable=False),
        sa.Column("username", sa.String(256), nullable=False),
        sa.Column("password", sa.LargeBinary(), nullable=True),
        sa.Column("ca_file", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(280), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_smtp_settings"),
    )


def downgrade() -> None:
    op.drop_table("smtp_settings")
