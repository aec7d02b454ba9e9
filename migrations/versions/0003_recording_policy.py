"""Recording policy: per-key rules, global settings, uploaded prompts, consent evidence.

Revision ID: 0003_recording_policy
Revises: 0002_bridge
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_recording_policy"
down_revision = "0002_bridge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("consent", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recording_rules"),
        sa.UniqueConstraint("scope", "key", name="uq_recording_rules_scope_key"),
    )
    op.create_table(
        "recording_settings",
        sa.Column("name", sa.String(48), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_recording_settings"),
    )
    op.create_table(
        "recording_prompts",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("audio", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_recording_prompts"),
    )
    op.create_table(
        "consent_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("recording_id", sa.String(160), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("leg", sa.String(8), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("prompt", sa.String(160), nullable=False),
        sa.Column("digit", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_evidence"),
    )
    op.create_index("ix_consent_evidence_linkedid", "consent_evidence", ["linkedid"])
    op.create_index("ix_consent_evidence_recording_id", "consent_evidence", ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_consent_evidence_recording_id", table_name="consent_evidence")
    op.drop_index("ix_consent_evidence_linkedid", table_name="consent_evidence")
    op.drop_table("consent_evidence")
    op.drop_table("recording_prompts")
    op.drop_table("recording_settings")
    op.drop_table("recording_rules")
