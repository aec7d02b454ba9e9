"""What ``voco notify status`` shows: the rules in force and how notifications went lately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from asterisk_bridge.store.models.notifications import NotificationRule, NotificationSent


def summary(conn: Connection, hours: int = 24) -> dict[str, Any]:
    """Rules per event, outcomes in the last *hours*, and the latest failure (what failed,
    never to whom)."""
    since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    rules = dict(conn.execute(select(NotificationRule.event, func.count())
                              .group_by(NotificationRule.event)).all())
    outcomes = dict(conn.execute(select(NotificationSent.outcome, func.count())
                                 .where(NotificationSent.at >= since)
                                 .group_by(NotificationSent.outcome)).all())
    last = conn.execute(select(NotificationSent.at, NotificationSent.event,
                               NotificationSent.channel, NotificationSent.error)
                        .where(NotificationSent.outcome == "failed")
                        .order_by(NotificationSent.id.desc()).limit(1)).first()
    return {"rules": rules, "hours": hours, "outcomes": outcomes,
            "last_failure": None if last is None else dict(last._mapping)}
