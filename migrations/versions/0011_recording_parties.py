"""Recordings name their parties as subjects, so erasing a person shreds their recordings.

Revision ID: 0011_recording_parties
Revises: 0010_subjects
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_recording_parties"
down_revision = "0010_subjects"
branch_labels = None
depends_on = None

ROLES = ("channel_subject", "connected_subject")


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        for column in ROLES:
            batch.add_column(sa.Column(column, sa.String(32), nullable=True))
            batch.create_index(f"ix_recordings_{column}", [column])


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        for column in ROLES:
            batch.drop_index(f"ix_recordings_{column}")
            batch.drop_column(column)
