"""Extension owners', company contacts' and consent evidence's personal fields sealed under
their own subject keys.

The clear columns are replaced by sealed ones and a ``<role>_subject`` column. Sealing needs the
master key, which a migration does not have, so the upgrade refuses a store whose tables hold
rows: export extensions and contacts with ``voco config export`` first, remove them, upgrade,
and import the file again (the import seals every field).

Revision ID: 0018_sealed_people
Revises: 0017_transport_encryption
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_sealed_people"
down_revision = "0017_transport_encryption"
branch_labels = None
depends_on = None

#: table -> (its subject column, {sealed column: (clear type, clear default)})
TABLES = {
    "prov_extensions": ("owner_subject", {
        "name": (sa.String(80), None), "email": (sa.String(280), ""),
        "mobile": (sa.String(33), "")}),
    "company_contacts": ("contact_subject", {
        "name": (sa.String(80), None), "numbers": (sa.Text(), ""),
        "email": (sa.String(320), ""), "company": (sa.String(80), ""),
        "notes": (sa.Text(), "")}),
    "consent_evidence": ("party_subject", {"channel": (sa.Text(), ""), "detail": (sa.Text(), "")}),
}


def _refuse_rows() -> None:
    conn = op.get_bind()
    for table in TABLES:
        count = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        if count:
            raise RuntimeError(
                f"{table} holds {count} row(s) with personal fields in clear, and this upgrade "
                "seals them under each person's own key, which needs the master key: run "
                "'voco config export -o FILE' with the previous version, remove them, upgrade, "
                "then 'voco config import FILE'")


def upgrade() -> None:
    _refuse_rows()
    for table, (subject, columns) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            if table == "company_contacts":
                batch.drop_constraint("uq_company_contacts_name", type_="unique")
            for column in columns:
                batch.drop_column(column)
            batch.add_column(sa.Column(subject, sa.String(32), nullable=True))
            batch.create_index(f"ix_{table}_{subject}", [subject])
            for column in columns:
                batch.add_column(sa.Column(column, sa.LargeBinary(),
                                           nullable=table != "prov_extensions"
                                           or column != "name"))


def downgrade() -> None:
    _refuse_rows()
    for table, (subject, columns) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
            batch.drop_index(f"ix_{table}_{subject}")
            batch.drop_column(subject)
            for column, (kind, default) in columns.items():
                batch.add_column(sa.Column(column, kind, nullable=False,
                                           server_default=default))
            if table == "company_contacts":
                batch.create_unique_constraint("uq_company_contacts_name", ["name"])
