"""Trunks to other Voco nodes, and the CDR index that links a call's halves across them.

A trunk marked ``voco_peer`` leads to another Voco node sharing this store: calls out through it
carry the call's node and linkedid in an ``X-Voco-Call`` header, and the receiving node records
them in the inbound channel's accountcode (``voco:<node>/<linkedid>``), which ``voco calls
list`` looks up through this index.

Revision ID: 0028_voco_peer_trunks
Revises: 0027_grant_addresses
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_voco_peer_trunks"
down_revision = "0027_grant_addresses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prov_trunks") as batch:
        batch.add_column(sa.Column("voco_peer", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_cdr_accountcode", "cdr", ["accountcode"])


def downgrade() -> None:
    op.drop_index("ix_cdr_accountcode", table_name="cdr")
    with op.batch_alter_table("prov_trunks") as batch:
        batch.drop_column("voco_peer")
