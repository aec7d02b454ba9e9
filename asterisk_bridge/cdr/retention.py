"""Retention policies: how long each kind of data is kept, and their enforcement.

Off by default: with no policy a kind is kept for ever, until an administrator sets one
(``voco retention set cdr DAYS``). Enforcement first raises the retention floor to the cutoff,
so no copy older than it is ever stored again (see :mod:`~asterisk_bridge.cdr.tombstones`), then
deletes what is older (by the record's start time, UTC) through
:func:`asterisk_bridge.cdr.erase.delete_cdrs`, which scrubs Asterisk's files and leaves a
tombstone in the operation log; it runs hourly in the bridge and on demand with
``voco retention run``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from asterisk_bridge.cdr import tombstones
from asterisk_bridge.cdr.erase import delete_cdrs
from asterisk_bridge.cdr.query import CdrFilter, count_cdrs
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.cdr import RetentionPolicy

KINDS = ("cdr",)
MAX_DAYS = 36500


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")


def set_policy(engine: Engine, kind: str, days: int | None) -> None:
    """Keep ``kind`` for ``days`` days; ``None`` removes the policy (keep for ever)."""
    _check_kind(kind)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days: {days} must be between 1 and {MAX_DAYS}, or 'off'")
    with Session(engine) as session, session.begin():
        session.execute(delete(RetentionPolicy).where(RetentionPolicy.kind == kind))
        if days is not None:
            session.add(RetentionPolicy(kind=kind, days=days, updated_at=tombstones.now()))


def policies(engine: Engine) -> dict[str, int | None]:
    """Every kind with its days (None = kept for ever)."""
    with Session(engine) as session:
        rows = {kind: days for kind, days in
                session.execute(select(RetentionPolicy.kind, RetentionPolicy.days)).all()}
    return {kind: rows.get(kind) for kind in KINDS}


def enforce(app: App, actor: str | None = None) -> dict[str, int]:
    """Delete what every policy says is too old; return rows deleted per kind."""
    done: dict[str, int] = {}
    for kind, days in policies(app.engine).items():
        if days is None:
            continue
        cutoff = tombstones.now() - timedelta(days=days)
        tombstones.raise_floor(app.engine, cutoff)
        flt = CdrFilter(until=cutoff)
        if count_cdrs(app.engine, flt) == 0:  # no tombstone for a purge that deletes nothing
            done[kind] = 0
            continue
        done[kind] = delete_cdrs(app, flt, f"retention policy: {kind} kept {days} days", actor)
    return done
