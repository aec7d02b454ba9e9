"""The clear projection of a database grant that asks for personal fields.

The store keeps every person's CDR values sealed under their own key, so a role reading the
store's tables would see sealed bytes. A grant opened with ``--personal FIELD`` gets instead,
in a schema of its own named after its role (readable by that role alone), a table ``cdr``: the
grant view's non-personal columns plus the personal columns it names, opened by Voco with the
subject keys. It is the only clear copy, and it lives only while the grant is open:

- new CDRs are added by :func:`refresh` (the bridge's ``db_grant_projection`` capability,
  ``voco db-grant refresh``);
- a CDR corrected to Master.csv's copy is projected again in the correcting transaction
  (:func:`replace`);
- a deleted CDR (``voco cdr delete``, retention) leaves it in the deleting transaction: its
  ``id`` references ``cdr.id`` with ``ON DELETE CASCADE``;
- an erased person's values leave it in the transaction that destroys their key
  (:func:`erase`, registered with the subject's rights in :mod:`.reach`);
- it is dropped, schema and all, with the role when the grant is revoked or expires.

Every writer takes one advisory lock, so a refresh that opened a key just before an erasure
has committed its rows before the erasure clears them, and one that starts after it finds the
key gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    MetaData,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)

from asterisk_bridge.cdr import sealing
from asterisk_bridge.dbgrant import roles
from asterisk_bridge.dbgrant.choices import PERSONAL
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

TABLE = "cdr"
BATCH = 2000
#: A refresh looks this many ids below the newest projected one for rows it has not seen: a
#: CDR whose transaction took its id earlier but committed later than a refresh.
LOOKBACK = 10_000
_LOCK = 0x766F636F_70726A  # "vocoprj": one advisory lock for every projection writer
_CDR = CdrRecord.__table__
_NATURAL = ("node", "uniqueid", "sequence")  # what a sealed value is bound to


def check_personal(fields: Sequence[str]) -> tuple[str, ...]:
    """The personal fields asked for, validated, in the CDR's order."""
    unknown = sorted(set(fields) - set(PERSONAL))
    if unknown:
        raise ValidationError(f"personal: {', '.join(unknown)} is not a personal CDR field "
                              f"(one of {', '.join(PERSONAL)})")
    return tuple(f for f in PERSONAL if f in fields)


@dataclass(frozen=True)
class Projection:
    """One grant's projection: its schema (the grant's role name) and its personal columns."""

    schema: str
    personal: tuple[str, ...]

    def table(self) -> Table:
        """The projected table (SQLAlchemy Core), in the projection's schema."""
        columns: list[Column[Any]] = [
            Column("id", _CDR.c.id.type, ForeignKey(_CDR.c.id, ondelete="CASCADE"),
                   primary_key=True, autoincrement=False)]
        columns += [Column(c, _CDR.c[c].type) for c in roles.COLUMNS if c != "id"]
        columns += [Column(c, Text) for c in self.personal]
        return Table(TABLE, MetaData(schema=self.schema), *columns)

    @property
    def qualified(self) -> str:
        """``schema.cdr``, as the party queries it."""
        return f"{self.schema}.{TABLE}"


def lock(conn: Connection) -> None:
    """Serialise projection writers (refresh, erasure, drop) until the transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})


def create(conn: Connection, vault: SubjectVault, projection: Projection, role: str) -> int:
    """Create the schema and its table, readable by *role* alone, and fill it; returns the rows
    projected."""
    lock(conn)
    schema = sql.Identifier(projection.schema)
    qualified = sql.Identifier(projection.schema, TABLE)
    roles.run(conn, sql.SQL("CREATE SCHEMA {}").format(schema))
    table = projection.table()
    table.create(conn)
    for statement in ("REVOKE ALL ON SCHEMA {s} FROM PUBLIC",
                      "REVOKE ALL ON TABLE {t} FROM PUBLIC",
                      "GRANT USAGE ON SCHEMA {s} TO {r}",
                      "GRANT SELECT ON TABLE {t} TO {r}"):
        roles.run(conn, sql.SQL(statement).format(s=schema, t=qualified,
                                                  r=sql.Identifier(role)))
    return _fill(conn, vault, table, 0)


def refresh(conn: Connection, vault: SubjectVault, projection: Projection) -> int:
    """Add the CDRs stored since the last refresh; returns how many."""
    lock(conn)
    table = projection.table()
    newest = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return _fill(conn, vault, table, max(0, newest - LOOKBACK))


def _fill(conn: Connection, vault: SubjectVault, table: Table, above: int) -> int:
    """Project every CDR with an id above *above* that the table lacks, a batch at a time
    (only the personal columns asked for are opened; rows travel by ``COPY``)."""
    mine = table.alias("projected")  # both tables are called cdr
    added, last = 0, above
    while True:
        batch = conn.execute(
            select(*_read(table)).where(_CDR.c.id > last,
                                        ~exists().where(mine.c.id == _CDR.c.id))
            .order_by(_CDR.c.id).limit(BATCH)).mappings().all()
        if not batch:
            return added
        _project(conn, vault, table, batch)
        added += len(batch)
        last = int(batch[-1]["id"])


def _read(table: Table) -> list[Any]:
    """The store's columns a projection *table* is made from."""
    personal = [c.name for c in table.columns if c.name in PERSONAL]
    return [_CDR.c[c] for c in dict.fromkeys(
        [*roles.COLUMNS, *_NATURAL, *sealing.ROLES, *personal])]


def _project(conn: Connection, vault: SubjectVault, table: Table, rows: Sequence[Any]) -> None:
    """``COPY`` stored CDR *rows* (read with :func:`_read`) into the projection *table*, only
    its personal columns opened."""
    personal = [c.name for c in table.columns if c.name in PERSONAL]
    names = [c.name for c in table.columns]
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(str(table.schema), TABLE), sql.SQL(", ").join(map(sql.Identifier, names)))
    opened = sealing.open_rows(conn, vault, rows, personal)
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in opened:
            copy.write_row([row[c] if c not in personal else row[c] or None for c in names])


def replace(conn: Connection, vault: SubjectVault, ids: Sequence[int]) -> int:
    """Project the CDRs *ids* again wherever they were projected, because their stored values
    changed (corrected to Master.csv's copy: :mod:`asterisk_bridge.cdr.truth`); returns the
    rows replaced. In the transaction that changed them."""
    if conn.dialect.name != "postgresql" or not ids:
        return 0
    lock(conn)
    replaced = 0
    for projection in existing(conn):
        table = projection.table()
        gone = list(conn.execute(delete(table).where(table.c.id.in_(sorted(ids)))
                                 .returning(table.c.id)).scalars())
        if gone:
            _project(conn, vault, table, conn.execute(
                select(*_read(table)).where(_CDR.c.id.in_(gone)).order_by(_CDR.c.id))
                .mappings().all())
            replaced += len(gone)
    return replaced


def existing(conn: Connection) -> list[Projection]:
    """Every projection in the database (found in the catalog, whatever the register says)."""
    found: dict[str, list[str]] = {}
    for schema, column in conn.execute(text(
            "SELECT table_schema, column_name FROM information_schema.columns "
            "WHERE table_name = :t AND table_schema LIKE :p ORDER BY ordinal_position"),
            {"t": TABLE, "p": roles.PREFIX.replace("_", "\\_") + "%"}):
        found.setdefault(str(schema), []).append(str(column))
    return [Projection(s, check_personal([c for c in cols if c in PERSONAL]))
            for s, cols in sorted(found.items())]


def drop(conn: Connection, schema: str) -> bool:
    """Drop a projection, schema and all; False if there was none."""
    lock(conn)
    there = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"),
                         {"s": schema}).first()
    roles.run(conn, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    return there is not None


def _theirs(table: Table, subject: str) -> tuple[list[str], Any]:
    """The columns of *table* that hold *subject*'s values, and which rows hold any."""
    columns: list[str] = []
    where = []
    for role, sealed in sealing.ROLES.items():
        present = [table.c[c] for c in sealed if c in table.c]
        if present:
            columns += [c.name for c in present]
            where.append(and_(
                table.c.id.in_(select(_CDR.c.id).where(sealing.sealed_by(role, subject))),
                or_(*[c.is_not(None) for c in present])))
    return columns, or_(*where) if where else literal(False)


def erase(conn: Connection, subject: str) -> int:
    """Clear an erased person's values from every projection (in the transaction that
    destroys their key, after it); returns the rows changed. The rows stay, as in the store:
    what billing needs is not theirs."""
    if conn.dialect.name != "postgresql":
        return 0
    lock(conn)
    changed = 0
    for projection in existing(conn):
        table = projection.table()
        columns, theirs = _theirs(table, subject)
        if columns:
            changed += conn.execute(update(table).where(theirs)
                                    .values(dict.fromkeys(columns))).rowcount
    return changed


def holding(conn: Connection, subject: str) -> dict[str, int]:
    """How many rows of each projection hold *subject*'s values in clear."""
    if conn.dialect.name != "postgresql":
        return {}
    out = {}
    for projection in existing(conn):
        table = projection.table()
        columns, theirs = _theirs(table, subject)
        if columns:
            n = conn.execute(select(func.count()).select_from(table).where(theirs)).scalar_one()
            if n:
                out[projection.schema] = int(n)
    return out
