"""Provisioning: extensions, trunks, inbound/outbound routes, speed dials, conferences, queues.

Revision ID: 0006_provisioning
Revises: 0005_recordings
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_provisioning"
down_revision = "0005_recordings"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "prov_extensions", _id(),
        sa.Column("number", sa.String(10), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(280), nullable=False),
        sa.Column("mobile", sa.String(33), nullable=False),
        sa.Column("voicemail", sa.Boolean(), nullable=False),
        sa.Column("webrtc", sa.Boolean(), nullable=False),
        sa.Column("sip_secret", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prov_extensions"),
        sa.UniqueConstraint("number", name="uq_prov_extensions_number"),
    )
    op.create_table(
        "prov_trunks", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("register", sa.Boolean(), nullable=False),
        sa.Column("identify", sa.Text(), nullable=False),
        sa.Column("sip_secret", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_prov_trunks"),
        sa.UniqueConstraint("name", name="uq_prov_trunks_name"),
    )
    op.create_table(
        "prov_inbound_routes", _id(),
        sa.Column("did", sa.String(33), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prov_inbound_routes"),
        sa.UniqueConstraint("did", name="uq_prov_inbound_routes_did"),
    )
    op.create_table(
        "prov_outbound_routes", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("pattern", sa.String(64), nullable=False),
        sa.Column("strip", sa.Integer(), nullable=False),
        sa.Column("prepend", sa.String(33), nullable=False),
        sa.Column("trunks", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prov_outbound_routes"),
        sa.UniqueConstraint("name", name="uq_prov_outbound_routes_name"),
    )
    op.create_table(
        "prov_speed_dials", _id(),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("number", sa.String(33), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prov_speed_dials"),
        sa.UniqueConstraint("code", name="uq_prov_speed_dials_code"),
    )
    op.create_table(
        "prov_conferences", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("number", sa.String(10), nullable=False),
        sa.Column("max_members", sa.Integer(), nullable=False),
        sa.Column("pin", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_prov_conferences"),
        sa.UniqueConstraint("name", name="uq_prov_conferences_name"),
        sa.UniqueConstraint("number", name="uq_prov_conferences_number"),
    )
    op.create_table(
        "prov_queues", _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("number", sa.String(10), nullable=False),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prov_queues"),
        sa.UniqueConstraint("name", name="uq_prov_queues_name"),
        sa.UniqueConstraint("number", name="uq_prov_queues_number"),
    )


def downgrade() -> None:
    for table in ("prov_queues", "prov_conferences", "prov_speed_dials", "prov_outbound_routes",
                  "prov_inbound_routes", "prov_trunks", "prov_extensions"):
        op.drop_table(table)
