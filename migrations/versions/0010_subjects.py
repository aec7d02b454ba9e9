"""Subjects: a key per person, blind indexes of their identifiers, erasure tombstones.

Revision ID: 0010_subjects
Revises: 0009_oplog_genesis
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_subjects"
down_revision = "0009_oplog_genesis"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subjects"),
    )
    op.create_index("ix_subjects_master_key_id", "subjects", ["master_key_id"])
    op.create_table(
        "subject_identifiers",
        sa.Column("bidx", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], ondelete="CASCADE",
                                name="fk_subject_identifiers_subject_id_subjects"),
        sa.PrimaryKeyConstraint("bidx", name="pk_subject_identifiers"),
    )
    op.create_index("ix_subject_identifiers_subject_id", "subject_identifiers", ["subject_id"])
    op.create_table(
        "subject_tombstones",
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("erased_at", sa.String(32), nullable=False),
        sa.Column("erased_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", name="pk_subject_tombstones"),
    )
    op.create_table(
        "store_keys",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_keys"),
    )


def downgrade() -> None:
    op.drop_table("store_keys")
    op.drop_table("subject_tombstones")
    op.drop_index("ix_subject_identifiers_subject_id", table_name="subject_identifiers")
    op.drop_table("subject_identifiers")
    op.drop_index("ix_subjects_master_key_id", table_name="subjects")
    op.drop_table("subjects")
