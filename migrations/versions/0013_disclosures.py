"""The disclosure register and the export bundles made for its entries.

Revision ID: 0013_disclosures
Revises: 0012_holds
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_disclosures"
down_revision = "0012_holds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("about_subject", sa.String(32), nullable=True),
        sa.Column("subject_label", sa.LargeBinary(), nullable=True),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("notice", sa.String(8), nullable=False),
        sa.Column("notice_sent_on", sa.String(10), nullable=True),
        sa.Column("notice_withheld_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disclosures"),
    )
    op.create_index("ix_disclosures_about_subject", "disclosures", ["about_subject"])
    op.create_table(
        "disclosure_exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.String(32), nullable=False),
        sa.Column("exported_by", sa.String(128), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosures.id"],
                                name="fk_disclosure_exports_disclosure_id_disclosures"),
        sa.PrimaryKeyConstraint("id", name="pk_disclosure_exports"),
    )
    op.create_index("ix_disclosure_exports_disclosure_id", "disclosure_exports",
                    ["disclosure_id"])


def downgrade() -> None:
    op.drop_index("ix_disclosure_exports_disclosure_id", table_name="disclosure_exports")
    op.drop_table("disclosure_exports")
    op.drop_index("ix_disclosures_about_subject", table_name="disclosures")
    op.drop_table("disclosures")
