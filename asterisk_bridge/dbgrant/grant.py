"""Opening and closing database grants: the grant row, the role, the pg_hba.conf block and,
for a grant that asks for personal fields, its clear projection, kept together so a revocation
leaves nothing of the door behind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.dbgrant import hba, projection, roles
from asterisk_bridge.grants import register as grants
from asterisk_bridge.grants.register import GrantView
from asterisk_bridge.store.models.grants import Grant


@dataclass(frozen=True)
class Opened:
    """What the admin is told once: the grant, the role, its password, the hba lines and
    whether Voco installed them."""

    grant_id: int
    role: str
    password: str
    database: str
    hba_lines: list[str]
    hba_managed: bool
    projected: int | None = None  # rows put in the clear projection (None: no projection)


def projection_of(grant: GrantView) -> projection.Projection | None:
    """The clear projection a grant asked for, if it did."""
    personal = grant.options.get("personal") or []
    return projection.Projection(role_of(grant), tuple(personal)) if personal else None


def role_of(grant: GrantView) -> str:
    """The grant's login role (also its projection's schema)."""
    return str(grant.options.get("role", roles.PREFIX + grant.name))


def open_grant(app: App, name: str, party: str, permit: Iterable[str], until: str | None,
               actor: str, personal: Iterable[str] = ()) -> Opened:
    """Create the grant, its role, its projection if it asks for *personal* fields, and its
    pg_hba.conf block (one transaction for the store; the file is edited once the role
    exists). The projection's creation is in the operation log with its row count."""
    from asterisk_bridge.subjects.vault import SubjectVault

    engine = app.engine
    roles.require_postgres(engine)
    role = roles.role_name(name)
    fields = projection.check_personal(list(personal))
    scopes = [f"select:{roles.VIEW}", *(f"clear:{f}" for f in fields)]
    options: dict[str, object] = {"role": role, "connection_limit": roles.CONNECTION_LIMIT,
                                  "statement_timeout": roles.STATEMENT_TIMEOUT}
    if fields:
        options |= {"personal": list(fields), "projection": f"{role}.{projection.TABLE}"}
    new = grants.NewGrant.build("db", name.strip(), party, scopes, permit, until, options)
    database = str(engine.url.database)
    block = hba.lines(database, role, new.permit)
    projected = None
    with engine.begin() as conn:
        grant_id = grants.create(conn, new, actor)
        password = roles.create(conn, role, new.until)
        if fields:
            projected = projection.create(conn, SubjectVault(app.master_key),
                                          projection.Projection(role, fields), role)
        path = roles.hba_file(conn)
        roles.apply_hba(conn, path, block, role)
    if projected is not None:
        app.record("db-grant projection open", {"grant": grant_id, "table": options[
            "projection"], "columns": list(fields), "rows": projected}, "ok", actor=actor)
    return Opened(grant_id, role, password, database, block, path is not None, projected)


def cut(app: App, grant: GrantView) -> str:
    """End a closed grant's sessions, drop its clear projection (if any), its role and its
    pg_hba.conf block."""
    role = role_of(grant)
    with app.engine.begin() as conn:
        still_open = conn.execute(select(Grant.id).where(
            Grant.door == "db", grants.open_clause())).first()
        ended = roles.shut(conn, role)
        dropped = projection.drop(conn, role)
        roles.drop(conn, role, last=still_open is None)
        path = roles.hba_file(conn)
        roles.apply_hba(conn, path, [], role, remove=True)
    if dropped:
        record_drop(app, grant.id, role, grant.state)
    where = "pg_hba.conf block removed" if path else \
        f"remove the '# voco db-grant {role}' block from pg_hba.conf by hand"
    gone = f", clear projection {role}.{projection.TABLE} dropped" if dropped else ""
    return f"role {role} dropped{gone}, {ended} session(s) ended, {where}"


def record_drop(app: App, grant_id: int | None, schema: str, why: str) -> None:
    """The operation-log entry of a dropped projection."""
    app.record("db-grant projection drop", {"grant": grant_id,
                                            "table": f"{schema}.{projection.TABLE}",
                                            "why": why}, "ok")
