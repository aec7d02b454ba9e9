"""Retention policies: set, read, enforce.

Enforcement computes each set policy's cutoff (now minus its days, UTC) and hands it to the
category's purge, which keeps what a legal hold covers; it runs hourly in the bridge and on
demand with ``voco retention run``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.retention.kinds import CATEGORIES, NAMES
from asterisk_bridge.store.models.retention import RetentionPolicy

MAX_DAYS = 36500


def now() -> datetime:
    """Naive UTC, as cutoffs are handed to purges."""
    return datetime.now(UTC).replace(tzinfo=None)


def _check_kind(kind: str) -> None:
    if kind not in NAMES:
        raise ValidationError(f"kind: {kind!r} is not one of {', '.join(NAMES)}")


def set_policy(engine: Engine, kind: str, days: int | None) -> None:
    """Keep ``kind`` for ``days`` days; ``None`` removes the policy (keep for ever)."""
    _check_kind(kind)
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"days: {days} must be between 1 and {MAX_DAYS}, or 'off'")
    with Session(engine) as session, session.begin():
        session.execute(delete(RetentionPolicy).where(RetentionPolicy.kind == kind))
        if days is not None:
            session.add(RetentionPolicy(kind=kind, days=days, updated_at=now()))


def policies(engine: Engine) -> dict[str, int | None]:
    """Every category with its days (None = kept for ever)."""
    with Session(engine) as session:
        rows = {kind: days for kind, days in
                session.execute(select(RetentionPolicy.kind, RetentionPolicy.days)).all()}
    return {name: rows.get(name) for name in NAMES}


def enforce(app: App, actor: str | None = None) -> dict[str, int]:
    """Purge what every set policy says is too old; records deleted per category (categories
    without a policy are absent)."""
    set_ = policies(app.engine)
    who = actor or current_actor()
    done: dict[str, int] = {}
    for category in CATEGORIES:
        days = set_[category.name]
        if days is None:
            continue
        cutoff = now() - timedelta(days=days)
        done[category.name] = category.purge(
            app, cutoff, f"retention policy: {category.name} kept {days} days", who)
    return done
