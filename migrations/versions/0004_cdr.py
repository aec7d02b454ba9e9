"""CDR records (natural key node + uniqueid + sequence) and retention policies.

Revision ID: 0004_cdr
Revises: 0003_recording_policy
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_cdr"
down_revision = "0003_recording_policy"
branch_labels = None
depends_on = None

ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cdr",
        sa.Column("id", ID_TYPE, autoincrement=True, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("accountcode", sa.String(80), nullable=False),
        sa.Column("src", sa.String(80), nullable=False),
        sa.Column("dst", sa.String(80), nullable=False),
        sa.Column("dcontext", sa.String(80), nullable=False),
        sa.Column("clid", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("dstchannel", sa.String(255), nullable=False),
        sa.Column("lastapp", sa.String(80), nullable=False),
        sa.Column("lastdata", sa.Text(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.DateTime(), nullable=True),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("billsec", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("amaflags", sa.String(16), nullable=False),
        sa.Column("userfield", sa.Text(), nullable=False),
        sa.Column("peeraccount", sa.String(80), nullable=False),
        sa.Column("rec_id", sa.String(128), nullable=True),
        sa.Column("consent", sa.String(32), nullable=True),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cdr"),
        sa.UniqueConstraint("node", "uniqueid", "sequence", name="uq_cdr_natural"),
    )
    for col in ("linkedid", "src", "dst", "start", "disposition"):
        op.create_index(f"ix_cdr_{col}", "cdr", [col])
    op.create_table(
        "retention_policies",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_retention_policies"),
    )


def downgrade() -> None:
    op.drop_table("retention_policies")
    for col in ("linkedid", "src", "dst", "start", "disposition"):
        op.drop_index(f"ix_cdr_{col}", table_name="cdr")
    op.drop_table("cdr")
