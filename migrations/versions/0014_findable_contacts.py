"""Personal contacts their owner made findable: blind indexes the admin can count, never read.

Revision ID: 0014_findable_contacts
Revises: 0013_disclosures
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_findable_contacts"
down_revision = "0013_disclosures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_contact_index",
        sa.Column("bidx", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["personal_contacts.id"], ondelete="CASCADE",
                                name="fk_personal_contact_index_contact_id_personal_contacts"),
        sa.PrimaryKeyConstraint("bidx", "contact_id", name="pk_personal_contact_index"),
    )
    op.create_index("ix_personal_contact_index_contact_id", "personal_contact_index",
                    ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_personal_contact_index_contact_id", table_name="personal_contact_index")
    op.drop_table("personal_contact_index")
