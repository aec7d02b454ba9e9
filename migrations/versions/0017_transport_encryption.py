"""Signalling transport and media encryption per extension and trunk.

Rows that exist already keep working as they did (plain UDP and RTP; WebRTC ones wss and
DTLS-SRTP); new extensions default to TLS with SRTP (``provisioning/encryption.py``).

Revision ID: 0017_transport_encryption
Revises: 0016_debug_windows
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_transport_encryption"
down_revision = "0016_debug_windows"
branch_labels = None
depends_on = None

_TABLES = ("prov_extensions", "prov_trunks")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("transport", sa.String(8), nullable=False,
                                       server_default="udp"))
            batch.add_column(sa.Column("media_encryption", sa.String(8), nullable=False,
                                       server_default="none"))
    op.execute("UPDATE prov_extensions SET transport = 'wss', media_encryption = 'dtls' "
               "WHERE webrtc")


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("media_encryption")
            batch.drop_column("transport")
