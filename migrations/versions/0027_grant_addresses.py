"""The addresses each grant was used from (a new one raises grant_new_address).

Revision ID: 0027_grant_addresses
Revises: 0026_agent_events
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_grant_addresses"
down_revision = "0026_agent_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grant_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grant_addresses"),
        sa.ForeignKeyConstraint(["grant_id"], ["grants.id"],
                                name="fk_grant_addresses_grant_id_grants"),
        sa.UniqueConstraint("grant_id", "address", name="uq_grant_addresses_grant_id"),
    )
    op.create_index("ix_grant_addresses_grant_id", "grant_addresses", ["grant_id"])


def downgrade() -> None:
    op.drop_index("ix_grant_addresses_grant_id", table_name="grant_addresses")
    op.drop_table("grant_addresses")
