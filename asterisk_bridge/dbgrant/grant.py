"""Opening and closing database grants: the grant row, the role, and the pg_hba.conf block,
kept together so a revocation leaves nothing of the door behind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from asterisk_bridge.dbgrant import hba, roles
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


def open_grant(engine: Engine, name: str, party: str, permit: Iterable[str], until: str | None,
               actor: str) -> Opened:
    """Create the grant, its role and its pg_hba.conf block (one transaction for the store;
    the file is edited once the role exists)."""
    roles.require_postgres(engine)
    role = roles.role_name(name)
    new = grants.NewGrant.build("db", name.strip(), party, [f"select:{roles.VIEW}"], permit,
                                until, {"role": role,
                                        "connection_limit": roles.CONNECTION_LIMIT,
                                        "statement_timeout": roles.STATEMENT_TIMEOUT})
    database = str(engine.url.database)
    block = hba.lines(database, role, new.permit)
    with engine.begin() as conn:
        grant_id = grants.create(conn, new, actor)
        password = roles.create(conn, role, new.until)
        path = roles.hba_file(conn)
        roles.apply_hba(conn, path, block, role)
    return Opened(grant_id, role, password, database, block, path is not None)


def cut(engine: Engine, grant: GrantView) -> str:
    """Drop a closed grant's role (ending its sessions) and its pg_hba.conf block."""
    role = str(grant.options.get("role", roles.PREFIX + grant.name))
    with engine.begin() as conn:
        still_open = conn.execute(select(Grant.id).where(
            Grant.door == "db", grants.open_clause())).first()
        ended = roles.drop(conn, role, last=still_open is None)
        path = roles.hba_file(conn)
        roles.apply_hba(conn, path, [], role, remove=True)
    where = "pg_hba.conf block removed" if path else \
        f"remove the '# voco db-grant {role}' block from pg_hba.conf by hand"
    return f"role {role} dropped, {ended} session(s) ended, {where}"
