"""Keeping the clear projections in step with the register: one round, run by the bridge's
``db_grant_projection`` capability and by ``voco db-grant refresh``.

An open grant that asks for personal fields gets the CDRs stored since the last round (its
projection is made again if something dropped it); a projection whose grant is no longer open
(revoked, or past its ``until`` before ``voco grants expire`` recorded it) is dropped, after its
role's sessions are ended. A round that adds rows, and every drop, is in the operation log.
"""

from __future__ import annotations

from sqlalchemy import Connection

from asterisk_bridge.context import App
from asterisk_bridge.dbgrant import projection, roles
from asterisk_bridge.dbgrant.grant import projection_of, record_drop, role_of
from asterisk_bridge.grants import register as grants
from asterisk_bridge.grants.register import GrantView
from asterisk_bridge.subjects.vault import SubjectVault


def _grant_of(conn: Connection, schema: str) -> GrantView | None:
    """The newest database grant whose role is *schema*."""
    found = [g for g in grants.listing(conn, "db") if role_of(g) == schema]
    return found[-1] if found else None


def run(app: App, actor: str) -> list[str]:
    """One round (see the module docstring); what changed, one line each."""
    if app.engine.dialect.name != "postgresql":
        return []
    vault = SubjectVault(app.master_key)
    with app.engine.connect() as conn:
        wanted = {role_of(g): g for g in grants.listing(conn, "db", open_only=True)
                  if projection_of(g) is not None}
        present = {p.schema for p in projection.existing(conn)}
    done = []
    for schema in sorted(present - set(wanted)):
        with app.engine.begin() as conn:
            projection.lock(conn)  # a grant opened meanwhile has committed, or waits
            stale = _grant_of(conn, schema)
            if stale is not None and stale.state == "open":
                continue
            ended = roles.shut(conn, schema)
            projection.drop(conn, schema)
        why = stale.state if stale is not None else "no grant"
        record_drop(app, stale.id if stale else None, schema, why)
        done.append(f"{schema}.{projection.TABLE}: dropped (grant {why}), "
                     f"{ended} session(s) ended")
    for schema, grant in sorted(wanted.items()):
        done += _refresh(app, vault, grant, schema in present, actor)
    return done


def _refresh(app: App, vault: SubjectVault, grant: GrantView, present: bool,
             actor: str) -> list[str]:
    mine = projection_of(grant)
    assert mine is not None
    with app.engine.begin() as conn:
        projection.lock(conn)
        if grants.view(grants.get(conn, grant.id)).state != "open":
            return []  # closed meanwhile: its cut dropped (or drops) the projection
        rows = (projection.refresh(conn, vault, mine) if present
                else projection.create(conn, vault, mine, role_of(grant)))
    if not rows and present:
        return []
    command = "db-grant projection refresh" if present else "db-grant projection open"
    app.record(command, {"grant": grant.id, "table": mine.qualified,
                         "columns": list(mine.personal), "rows": rows}, "ok", actor=actor)
    return [f"{mine.qualified}: {rows} row(s) {'added' if present else 'projected'} "
            f"(grant {grant.id}, {grant.party})"]
