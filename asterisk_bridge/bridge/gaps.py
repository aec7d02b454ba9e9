"""Durable gap records and the heartbeat they are measured from.

A gap is written before any capability hears of the reconnect, so reconciliation can always be
resumed from the store. The heartbeat (one row per node and link) is the bridge's last sign of
life; after a crash or a stop, the next start records the gap from it. Both are blocking
SQLAlchemy calls: the bridge runs them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, update

from asterisk_bridge.bridge.capability import Gap
from asterisk_bridge.store.models.bridge import BridgeHeartbeat
from asterisk_bridge.store.models.core import ConnectionGap


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds, as stored."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def utc(epoch: float) -> datetime:
    """A POSIX timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC)


def last_seen(engine: Engine, node: str) -> dict[str, datetime]:
    """The previous run's last sign of life for each link of ``node`` (empty: first start)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(BridgeHeartbeat.link, BridgeHeartbeat.last_seen)
            .where(BridgeHeartbeat.node == node)
        ).all()
    return {link: datetime.fromisoformat(seen) for link, seen in rows}


def record_gap(engine: Engine, node: str, gap: Gap, reason: str) -> None:
    """Write the gap and move the link's heartbeat to its end, in one transaction."""
    with engine.begin() as conn:
        conn.execute(insert(ConnectionGap).values(
            node=node, link=gap.link, gap_from=iso(gap.start), gap_to=iso(gap.end),
            reason=reason, reconciled=0))
        _upsert(conn, node, gap.link, gap.end)


def beat(engine: Engine, node: str, seen: Mapping[str, datetime]) -> None:
    """Persist each link's last sign of life."""
    if not seen:
        return
    with engine.begin() as conn:
        for link, moment in seen.items():
            _upsert(conn, node, link, moment)


def _upsert(conn: Connection, node: str, link: str, moment: datetime) -> None:
    hb = BridgeHeartbeat
    done = conn.execute(update(hb).where(hb.node == node, hb.link == link)
                        .values(last_seen=iso(moment)))
    if done.rowcount == 0:
        conn.execute(insert(hb).values(node=node, link=link, last_seen=iso(moment)))
