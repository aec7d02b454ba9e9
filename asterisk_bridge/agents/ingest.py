"""Reading queue_log into the store, idempotently.

A line is stored once (unique by its hash per node), so re-reading the whole file after a
restart, or a line read twice because AMI and the periodic check both asked, changes nothing.
The reader remembers how far it got in this process (by inode and offset) and starts again
from the top when the file was rotated or truncated (the bridge rotates it away once stored:
:mod:`.rotation`). An agent that is a provisioned extension
is named as a subject (its owner), so a person's find, export and erasure reach their activity.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.agents.queuelog import Line, parse
from asterisk_bridge.context import App
from asterisk_bridge.store.models.agents import AgentEvent
from asterisk_bridge.store.models.provisioning import ProvExtension
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.vault import SubjectVault

BATCH = 500
ASIDE = ".voco-"  # queue_log.voco-<UTC stamp>: renamed away, not yet stored and deleted


@dataclass
class Reader:
    """Where one queue_log was read up to."""

    path: Path
    inode: int = 0
    offset: int = 0
    pending: str = field(default="", repr=False)  # a last line not yet terminated

    def new_lines(self) -> list[str]:
        """Complete lines added since the last call (all of them after a rotation)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        if st.st_ino != self.inode or st.st_size < self.offset:
            self.inode, self.offset, self.pending = st.st_ino, 0, ""
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        self.offset += len(data)
        text = self.pending + data.decode("utf-8", "replace")
        lines = text.split("\n")
        self.pending = lines.pop()
        return lines


def asides(path: Path) -> list[Path]:
    """The renamed files of the queue_log at *path* (:mod:`.rotation`), oldest first."""
    return sorted(path.parent.glob(f"{path.name}{ASIDE}*"))


def queue_log_path(app: App) -> Path | None:
    """``<ast_log_dir>/queue_log``, or None without a log directory."""
    log_dir = app.config.asterisk.ast_log_dir
    return Path(log_dir) / "queue_log" if log_dir else None


def store_lines(app: App, lines: list[Line]) -> int:
    """Store the lines not stored yet; returns how many were new."""
    node = app.config.asterisk.node
    added = 0
    for start in range(0, len(lines), BATCH):
        batch = {line.line_hash: line for line in lines[start:start + BATCH]}
        with Session(app.engine) as session, session.begin():
            seen = set(session.scalars(select(AgentEvent.line_hash).where(
                AgentEvent.node == node, AgentEvent.line_hash.in_(batch))))
            fresh = [line for h, line in batch.items() if h not in seen]
            subjects = _subjects(app, session, {line.agent for line in fresh})
            for line in fresh:
                session.add(AgentEvent(node=node, agent_subject=subjects.get(line.agent),
                                       **asdict(line)))
            added += len(fresh)
    return added


def _subjects(app: App, session: Session, agents: set[str]) -> dict[str, str]:
    """The subject of each agent that is a provisioned extension (its owner)."""
    numbers = set(session.scalars(select(ProvExtension.number).where(
        ProvExtension.number.in_(sorted(agents)))))
    if not numbers:
        return {}
    wanted = {n: identity.extension(n) for n in numbers}
    resolved = SubjectVault(app.master_key).resolve(session.connection(), wanted.values(),
                                                    "extension")
    return {n: resolved[i] for n, i in wanted.items()}


def ingest(app: App, reader: Reader) -> int:
    """Store what queue_log gained since *reader* last looked; returns the new rows."""
    lines = [p for p in (parse(raw) for raw in reader.new_lines()) if p is not None]
    return store_lines(app, lines) if lines else 0

