"""The generator contributor: whether inbound routes announce calls to the popup/CRM doors,
and how long a ringing call waits for the CRM's name (in 50 ms ticks)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.grants import register as grants
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.grants import Grant

TICK_MS = 50


def doors_context(engine: Bind | None) -> dict[str, Any]:
    """``doors.inbound`` (any popup or CRM open) and ``doors.wait_ticks``."""
    if engine is None:
        return {"doors": {"inbound": False, "wait_ticks": 0}}
    with Session(engine) as session:
        rows = session.scalars(select(Grant).where(Grant.door.in_(("popup", "crm")),
                                                   grants.open_clause())).all()
    crm = [grants.view(r).options["deadline_ms"] for r in rows if r.door == "crm"]
    return {"doors": {"inbound": bool(rows),
                      "wait_ticks": math.ceil(crm[0] / TICK_MS) if crm else 0}}
