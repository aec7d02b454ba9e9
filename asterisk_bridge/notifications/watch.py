"""Hourly checks the bridge turns into events: grants about to expire, and the operation log
failing verification. Each returns what it found; the capability publishes each finding once
per bridge run (a grant warned about, a problem reported, is not repeated every hour)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asterisk_bridge.context import App
from asterisk_bridge.errors import OplogError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.oplog import verify

GRANT_WARN_DAYS = 7


def expiring_grants(app: App, days: int = GRANT_WARN_DAYS,
                    now: datetime | None = None) -> list[grants.GrantView]:
    """Open grants whose ``until`` falls within *days*."""
    horizon = ((now or datetime.now(UTC)) + timedelta(days=days)).isoformat(timespec="seconds")
    with app.engine.connect() as conn:
        return [g for g in grants.listing(conn, open_only=True)
                if g.until is not None and g.until <= horizon]


def oplog_problem(app: App) -> str | None:
    """Why the operation log fails verification, or None when it verifies."""
    try:
        verify(app.engine, app.master_key, app.config.oplog_anchor)
    except OplogError as exc:
        return str(exc)
    return None
