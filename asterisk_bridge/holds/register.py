"""Placing, listing and releasing legal holds.

A hold on a subject is placed by an identifier (a number, an extension, an e-mail address); the
identifier is kept only sealed under the subject's key, for ``voco hold list`` to show. A hold
on a number nobody has called from yet creates that number's subject, so the calls that follow
are held from the first. A hold on a call needs a call Voco holds something of.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert, select, update

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.holds import guard
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models import Base
from asterisk_bridge.store.models.holds import LegalHold
from asterisk_bridge.subjects import refs, target
from asterisk_bridge.subjects.reach import Reach, by_id
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.subjects.vault import SubjectVault

_LINKEDID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_until(value: str | None) -> str | None:
    """An ``until`` date (YYYY-MM-DD, today or later), or None for a hold without end."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"until: {value!r} is not a date like 2027-12-31") from None
    if day.isoformat() < guard.today():
        raise ValidationError(f"until: {day} is in the past")
    return day.isoformat()


def check_call(conn: Connection, linkedid: str) -> str:
    """A linkedid Voco holds something of (a CDR, a recording, evidence, a tombstone)."""
    value = linkedid.strip()
    if not _LINKEDID.fullmatch(value):
        raise ValidationError(f"call: {linkedid!r} is not a linkedid (like 1795911331.0)")
    calls = [c for t in Base.metadata.tables.values() if (c := refs.call_column(t)) is not None]
    if not any(conn.execute(select(c).where(c == value).limit(1)).first() for c in calls):
        raise NotFoundError(f"call {value}: nothing of it is held (no CDR, recording or "
                            "evidence with that linkedid)")
    return value


def place_on_subject(conn: Connection, vault: SubjectVault, held: Target, reason: str,
                     until: str | None, actor: str) -> int:
    """Hold everything about *held*; returns the hold id."""
    why = validate.reason(reason, "the data is held")
    stop = check_until(until)
    hold_id = int(conn.execute(insert(LegalHold).values(
        held_subject=held.subject, reason=why, until=stop, created_at=_now(),
        created_by=actor).returning(LegalHold.id)).scalar_one())
    ring = vault.keys(conn, [held.subject])
    label = ring.seal(target.label_ref("legal_holds", "subject_label", hold_id, held.subject),
                      held.identifier.label)
    conn.execute(update(LegalHold).where(LegalHold.id == hold_id).values(subject_label=label))
    return hold_id


def place_on_call(conn: Connection, linkedid: str, reason: str, until: str | None,
                  actor: str) -> int:
    """Hold everything of one call; returns the hold id."""
    why = validate.reason(reason, "the call is held")
    stop = check_until(until)
    call = check_call(conn, linkedid)
    return int(conn.execute(insert(LegalHold).values(
        held_call=call, reason=why, until=stop, created_at=_now(),
        created_by=actor).returning(LegalHold.id)).scalar_one())


def release(conn: Connection, hold_id: int, reason: str, actor: str) -> None:
    """End a hold now; the row stays, with who released it and why."""
    why = validate.reason(reason, "the hold is released")
    row = conn.execute(select(LegalHold).where(LegalHold.id == hold_id)).first()
    if row is None:
        raise NotFoundError(f"hold {hold_id} does not exist")
    if row.released_at is not None:
        raise ValidationError(f"hold {hold_id} was already released on {row.released_at[:10]} "
                              f"by {row.released_by}")
    conn.execute(update(LegalHold).where(LegalHold.id == hold_id).values(
        released_at=_now(), released_by=actor, release_reason=why))


@dataclass(frozen=True)
class HoldView:
    """A hold as ``voco hold list`` shows it."""

    id: int
    on: str  # "subject" | "call"
    held: str  # the identifier (while the subject exists) or the linkedid
    subject: str | None
    state: str  # active | expired | released
    reason: str
    until: str | None
    created_at: str
    created_by: str
    released_at: str | None
    released_by: str | None
    release_reason: str | None

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def listing(conn: Connection, vault: SubjectVault, active_only: bool = False) -> list[HoldView]:
    """Every hold, oldest first (only those in force with *active_only*)."""
    q = select(LegalHold).order_by(LegalHold.id)
    if active_only:
        q = q.where(guard.active())
    rows = list(conn.execute(q))
    ring = vault.keys(conn, {r.held_subject for r in rows if r.held_subject})
    today = guard.today()
    out = []
    for r in rows:
        if r.held_subject:
            on = "subject"
            held = ring.open(target.label_ref("legal_holds", "subject_label", r.id,
                                              r.held_subject), r.subject_label)
            shown = held or "(subject erased)"
        else:
            on, shown = "call", str(r.held_call)
        state = ("released" if r.released_at else
                 "expired" if r.until is not None and r.until < today else "active")
        out.append(HoldView(r.id, on, shown, r.held_subject, state, r.reason, r.until,
                            r.created_at, r.created_by, r.released_at, r.released_by,
                            r.release_reason))
    return out


HOLDS = Reach("holds", table="legal_holds", row_ref=by_id,
              sealed={"subject_label": "held_subject"}, exported=False,
              erasure="kept: a released hold stays on record (an active one refuses the "
                      "erasure)")
