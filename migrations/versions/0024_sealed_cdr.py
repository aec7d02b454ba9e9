"""CDRs name their two parties as subjects and keep their numbers, caller ID, dialled data and
user field sealed under those parties' keys.

Sealing needs the master key, which a migration does not have, so the upgrade refuses a store
holding CDR rows in clear (the bridge reconciles every record Asterisk still has in Master.csv
into the new columns, sealed, once the table is empty: 'voco cdr export' first to keep a copy).

Revision ID: 0024_sealed_cdr
Revises: 0023_voicemail
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_sealed_cdr"
down_revision = "0023_voicemail"
branch_labels = None
depends_on = None

ROLES = ("src_subject", "dst_subject")
#: sealed column -> its clear type before
SEALED = {"src": sa.String(80), "dst": sa.String(80), "clid": sa.Text(),
          "lastdata": sa.Text(), "userfield": sa.Text()}
INDEXED = ("src", "dst")


def _refuse_rows() -> None:
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM cdr")).scalar_one()
    if count:
        raise RuntimeError(
            f"cdr holds {count} row(s) with callers' numbers in clear, and this upgrade seals "
            "them under each person's own key, which needs the master key: export them "
            "('voco cdr export') with the previous version and empty the table first")


def upgrade() -> None:
    _refuse_rows()
    with op.batch_alter_table("cdr") as batch:
        for column in INDEXED:
            batch.drop_index(f"ix_cdr_{column}")
        for column in SEALED:
            batch.drop_column(column)
        for role in ROLES:
            batch.add_column(sa.Column(role, sa.String(32), nullable=True))
            batch.create_index(f"ix_cdr_{role}", [role])
        for column in SEALED:
            batch.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    _refuse_rows()
    with op.batch_alter_table("cdr") as batch:
        for column in SEALED:
            batch.drop_column(column)
        for role in ROLES:
            batch.drop_index(f"ix_cdr_{role}")
            batch.drop_column(role)
        for column, kind in SEALED.items():
            batch.add_column(sa.Column(column, kind, nullable=False, server_default=""))
        for column in INDEXED:
            batch.create_index(f"ix_cdr_{column}", [column])
