"""Contacts: company directory, grants, personal keyrings and encrypted personal contacts.

Revision ID: 0007_contacts
Revises: 0006_provisioning
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_contacts"
down_revision = "0006_provisioning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("company", sa.String(80), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_company_contacts"),
        sa.UniqueConstraint("name", name="uq_company_contacts_name"),
    )
    op.create_table(
        "contact_grants",
        sa.Column("extension", sa.String(10), nullable=False),
        sa.Column("privilege", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("extension", name="pk_contact_grants"),
    )
    op.create_table(
        "personal_keyrings",
        sa.Column("extension", sa.String(10), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("scrypt_log_n", sa.Integer(), nullable=False),
        sa.Column("scrypt_r", sa.Integer(), nullable=False),
        sa.Column("scrypt_p", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("extension", name="pk_personal_keyrings"),
    )
    op.create_table(
        "personal_contacts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("extension", sa.String(10), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_personal_contacts"),
    )
    op.create_index("ix_personal_contacts_extension", "personal_contacts", ["extension"])


def downgrade() -> None:
    op.drop_index("ix_personal_contacts_extension", table_name="personal_contacts")
    op.drop_table("personal_contacts")
    op.drop_table("personal_keyrings")
    op.drop_table("contact_grants")
    op.drop_table("company_contacts")
