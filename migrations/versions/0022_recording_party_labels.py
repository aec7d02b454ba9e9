"""Recordings say who called whom, each party's label sealed under their own key.

The clear ``parties`` text ("Alice <s> -> Alice <5550100>", read from the wrong leg at hangup)
is replaced by ``channel_party`` / ``connected_party``, sealed per subject. Existing rows keep
their subjects; their old clear labels are dropped, not carried over unsealed.

Revision ID: 0022_recording_party_labels
Revises: 0021_intrusion
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_recording_party_labels"
down_revision = "0021_intrusion"
branch_labels = None
depends_on = None

COLUMNS = ("channel_party", "connected_party")


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))
        batch.drop_column("parties")


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("parties", sa.Text(), nullable=False, server_default=""))
        for column in COLUMNS:
            batch.drop_column(column)
