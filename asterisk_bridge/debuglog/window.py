"""The store side of debug windows: open one, find the open one, end it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from asterisk_bridge.store.models.debuglog import DebugWindow


def iso(moment: datetime) -> str:
    """ISO 8601 UTC, as every window timestamp is stored."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def now() -> datetime:
    """The current time (UTC, aware)."""
    return datetime.now(UTC)


def is_due(window: DebugWindow, at: datetime | None = None) -> bool:
    """Whether *window* has passed its expiry."""
    return datetime.fromisoformat(window.expires_at) <= (at or now())


def current(engine: Engine, node: str) -> DebugWindow | None:
    """The open window of *node* (expired or not), if any."""
    with Session(engine, expire_on_commit=False) as session:
        return session.scalars(select(DebugWindow).where(
            DebugWindow.node == node, DebugWindow.ended_at.is_(None))
            .order_by(DebugWindow.id.desc())).first()


def live(engine: Engine, node: str) -> DebugWindow | None:
    """The open window of *node* that has not expired: what logger.conf renders."""
    found = current(engine, node)
    return found if found is not None and not is_due(found) else None


def open_window(engine: Engine, node: str, levels: str, seconds: int, actor: str,
                ) -> DebugWindow:
    """Start a window, or extend and re-level the open one (one per node)."""
    start = now()
    expires = iso(start + timedelta(seconds=seconds))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        row = session.scalars(select(DebugWindow).where(
            DebugWindow.node == node, DebugWindow.ended_at.is_(None))).first()
        if row is None:
            row = DebugWindow(node=node, levels=levels, started_at=iso(start),
                              expires_at=expires, started_by=actor, exported=0)
            session.add(row)
        else:
            row.levels, row.expires_at = levels, expires
    return row


def end(engine: Engine, window_id: int, actor: str, reason: str) -> None:
    """Mark *window_id* ended (a no-op if it already is)."""
    with Session(engine) as session, session.begin():
        session.execute(update(DebugWindow).where(
            DebugWindow.id == window_id, DebugWindow.ended_at.is_(None)).values(
            ended_at=iso(now()), ended_by=actor, end_reason=reason))


def count_export(engine: Engine, window_id: int) -> None:
    """Remember that the window's log was handed out."""
    with Session(engine) as session, session.begin():
        session.execute(update(DebugWindow).where(DebugWindow.id == window_id).values(
            exported=DebugWindow.exported + 1))


def ended_before(engine: Engine, cutoff: str) -> list[int]:
    """Ended windows that started before *cutoff* (ISO): what retention may forget."""
    with Session(engine) as session:
        return list(session.scalars(select(DebugWindow.id).where(
            DebugWindow.ended_at.is_not(None), DebugWindow.started_at < cutoff)))
