"""Voicemail messages sealed in the store, their keys and tombstones, mailbox PINs, transcription.

Revision ID: 0023_voicemail
Revises: 0022_recording_party_labels
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_voicemail"
down_revision = "0022_recording_party_labels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voicemail_messages",
        sa.Column("id", sa.String(160), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("mailbox", sa.String(80), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("owner_subject", sa.String(32), nullable=True),
        sa.Column("caller_subject", sa.String(32), nullable=True),
        sa.Column("caller_number", sa.LargeBinary(), nullable=True),
        sa.Column("caller_name", sa.LargeBinary(), nullable=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("heard_at", sa.String(32), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("plain_size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("transcript_status", sa.String(16), nullable=False),
        sa.Column("transcript_error", sa.Text(), nullable=False),
        sa.Column("transcript_engine", sa.String(16), nullable=False),
        sa.Column("transcript_attempts", sa.Integer(), nullable=False),
        sa.Column("transcript_next_at", sa.String(32), nullable=False),
        sa.Column("transcript_key_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voicemail_messages"),
        sa.UniqueConstraint("key_id", name="uq_voicemail_messages_key_id"),
    )
    for column in ("node", "mailbox", "linkedid", "owner_subject", "caller_subject"):
        op.create_index(f"ix_voicemail_messages_{column}", "voicemail_messages", [column])
    op.create_table(
        "voicemail_keys",
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(160), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["voicemail_messages.id"],
                                name="fk_voicemail_keys_message_id_voicemail_messages"),
        sa.PrimaryKeyConstraint("key_id", name="pk_voicemail_keys"),
    )
    op.create_index("ix_voicemail_keys_message_id", "voicemail_keys", ["message_id"])
    op.create_index("ix_voicemail_keys_master_key_id", "voicemail_keys", ["master_key_id"])
    op.create_table(
        "voicemail_tombstones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(160), nullable=False),
        sa.Column("mailbox", sa.String(80), nullable=False),
        sa.Column("what", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("deleted_at", sa.String(32), nullable=False),
        sa.Column("deleted_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voicemail_tombstones"),
    )
    op.create_index("ix_voicemail_tombstones_message_id", "voicemail_tombstones",
                    ["message_id"])
    op.create_table(
        "voicemail_pins",
        sa.Column("mailbox", sa.String(80), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name="pk_voicemail_pins"),
    )
    op.create_table(
        "transcription_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("endpoint", sa.String(255), nullable=False),
        sa.Column("credentials", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transcription_config"),
    )


def downgrade() -> None:
    for table in ("transcription_config", "voicemail_pins", "voicemail_tombstones",
                  "voicemail_keys", "voicemail_messages"):
        op.drop_table(table)
