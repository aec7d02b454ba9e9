"""Notification rules (recipients sealed per subject) and the facts of what was sent.

Revision ID: 0020_notification_rules
Revises: 0019_smtp
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_notification_rules"
down_revision = "0019_smtp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("extension", sa.String(10), nullable=True),
        sa.Column("recipient_subject", sa.String(32), nullable=True),
        sa.Column("recipient", sa.LargeBinary(), nullable=True),
        sa.Column("attach_audio", sa.Boolean(), nullable=False),
        sa.Column("quiet_from", sa.String(5), nullable=True),
        sa.Column("quiet_until", sa.String(5), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_rules"),
    )
    op.create_index("ix_notification_rules_event", "notification_rules", ["event"])
    op.create_index("ix_notification_rules_recipient_subject", "notification_rules",
                    ["recipient_subject"])
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("extension", sa.String(10), nullable=True),
        sa.Column("recipient_subject", sa.String(32), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("error", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications_sent"),
    )
    op.create_index("ix_notifications_sent_at", "notifications_sent", ["at"])
    op.create_index("ix_notifications_sent_recipient_subject", "notifications_sent",
                    ["recipient_subject"])


def downgrade() -> None:
    op.drop_index("ix_notifications_sent_recipient_subject", table_name="notifications_sent")
    op.drop_index("ix_notifications_sent_at", table_name="notifications_sent")
    op.drop_table("notifications_sent")
    op.drop_index("ix_notification_rules_recipient_subject", table_name="notification_rules")
    op.drop_index("ix_notification_rules_event", table_name="notification_rules")
    op.drop_table("notification_rules")
