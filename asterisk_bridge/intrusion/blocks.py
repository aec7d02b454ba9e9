"""The blocks intrusion response placed: placing one, ending one, and what is in force."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from asterisk_bridge.errors import NotFoundError
from asterisk_bridge.store.models.intrusion import IntrusionBlock


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class BlockView:
    """A block as ``voco intrusion list`` shows it."""

    id: int
    address: str
    service: str
    failures: int
    blocked_at: str
    until: str
    ended_at: str | None
    ended_by: str | None

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def active(conn: Connection, now: datetime | None = None) -> list[str]:
    """The addresses blocked now, sorted."""
    at = _iso(now or datetime.now(UTC))
    return sorted(set(conn.execute(select(IntrusionBlock.address).where(
        IntrusionBlock.ended_at.is_(None), IntrusionBlock.until > at)).scalars()))


def place(conn: Connection, address: str, service: str, failures: int, block_s: int,
          now: datetime | None = None) -> int | None:
    """Block *address* for *block_s* seconds; None if it is blocked already."""
    now = now or datetime.now(UTC)
    if address in active(conn, now):
        return None
    return int(conn.execute(insert(IntrusionBlock).values(
        address=address, service=service, failures=failures, blocked_at=_iso(now),
        until=_iso(now + timedelta(seconds=block_s))).returning(IntrusionBlock.id)).scalar_one())


def expire(conn: Connection, now: datetime | None = None) -> list[str]:
    """End the blocks whose time is up; returns their addresses."""
    at = _iso(now or datetime.now(UTC))
    rows = list(conn.execute(select(IntrusionBlock.id, IntrusionBlock.address).where(
        IntrusionBlock.ended_at.is_(None), IntrusionBlock.until <= at)))
    if rows:
        conn.execute(update(IntrusionBlock).where(IntrusionBlock.id.in_(
            [r.id for r in rows])).values(ended_at=at))
    return sorted({r.address for r in rows})


def unblock(conn: Connection, address: str, actor: str) -> int:
    """End every block of *address* now; NotFoundError if none is in force."""
    at = _iso(datetime.now(UTC))
    ended = conn.execute(update(IntrusionBlock).where(
        IntrusionBlock.address == address, IntrusionBlock.ended_at.is_(None),
        IntrusionBlock.until > at).values(ended_at=at, ended_by=actor)).rowcount
    if not ended:
        raise NotFoundError(f"{address} is not blocked")
    return int(ended)


def listing(conn: Connection, everything: bool = False) -> list[BlockView]:
    """Blocks in force (or every block), newest first."""
    at = _iso(datetime.now(UTC))
    q = select(IntrusionBlock).order_by(IntrusionBlock.id.desc())
    if not everything:
        q = q.where(IntrusionBlock.ended_at.is_(None), IntrusionBlock.until > at)
    return [BlockView(r.id, r.address, r.service, r.failures, r.blocked_at, r.until,
                      r.ended_at, r.ended_by) for r in conn.execute(q)]
