"""What a subject's rights reach of agent activity: the rows naming them as the agent (their
extension's logins, pauses and queue calls). Erasure deletes those rows (the extension number
itself is internal configuration; the activity is about the person), unless a hold covers one.
"""

from __future__ import annotations

from sqlalchemy import delete

from asterisk_bridge.context import App
from asterisk_bridge.holds import guard
from asterisk_bridge.store.models.agents import AgentEvent
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Reach, by_id
from asterisk_bridge.subjects.target import Target

TABLE = refs.table_of(AgentEvent)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    where = refs.names(TABLE, [target.subject])
    with app.engine.begin() as conn:
        guard.refuse(conn, f"erase the agent activity of subject {target.subject}", TABLE,
                     where)
        return conn.execute(delete(AgentEvent).where(where)).rowcount or 0


AGENT_ACTIVITY = Reach("agent_activity", table="agent_events", row_ref=by_id, erase=_erase,
                       erasure="the rows naming them as the agent are deleted")
