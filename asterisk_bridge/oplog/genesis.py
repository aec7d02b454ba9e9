"""Where the log begins, so that a wiped log is not mistaken for a new one.

``voco init`` writes a genesis record (a random installation id and the time, sealed under the
master key) with the first entry, and the same id and time to an anchor file beside the master
key (``Config.oplog_anchor``: every node that can verify the log has both). Dropping or emptying
the log's tables loses the genesis record; a log begun again in the database names another
installation than the anchor. Either way ``verify`` says so. A log can only begin again with
``voco oplog restart``, whose genesis names the discarded log and why.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import OplogError, UnsafeFileError, ValidationError
from asterisk_bridge.oplog.chain import missing_tables, now, write_entry
from asterisk_bridge.oplog.seal import genesis_hash, genesis_mac, head_mac, mac_key
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead


@dataclass(frozen=True)
class Anchor:
    """The copy of the genesis kept outside the database (no secret: the seal stays inside)."""

    installation: str
    created_at: str


def read_anchor(path: Path) -> Anchor | None:
    """The anchor file's content, None if there is none; OplogError if it is garbled."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(installation=str(doc["installation"]), created_at=str(doc["created_at"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OplogError(f"the operation log anchor {path} cannot be read ({exc}); restore it "
                         "from a backup of the master key's directory") from None


def begin(engine: Engine, master_key: bytes, anchor: Path, command: str,
          args: Mapping[str, Any], actor: str | None = None, *, restarted_from: str = "",
          reason: str = "") -> Anchor:
    """Write the genesis record, the head and entry 1 (*command*) in one transaction, and the
    anchor file; refuse if the database already holds a log."""
    key = mac_key(master_key)
    made = Anchor(installation=secrets.token_hex(16), created_at=now())
    digest = genesis_hash(made.installation, made.created_at, restarted_from, reason)
    with Session(engine) as session, session.begin():
        stale = session.get(OplogHead, 1)
        if session.get(OplogGenesis, 1) is not None or (stale and not restarted_from):
            raise OplogError("the database already holds an operation log (another "
                             "installation's); nothing changed. To add a node, copy the config "
                             "file, the master key and oplog-genesis.json from an existing node "
                             "instead of running 'voco init'")
        if stale is not None:  # a head left behind by a wiped log names nothing that remains
            session.delete(stale)
            session.flush()
        genesis = OplogGenesis(id=1, installation=made.installation, created_at=made.created_at,
                               restarted_from=restarted_from, reason=reason, hash=digest,
                               mac=genesis_mac(key, digest))
        head = OplogHead(id=1, count=0, seq=0, hash=digest,
                         mac=head_mac(key, made.installation, 0, 0, digest))
        session.add_all([genesis, head])
        write_entry(session, key, genesis, head, command, args, "ok", reason, actor)
        try:  # before the commit: a log whose anchor could not be written is not begun
            write_private(anchor, json.dumps(asdict(made)) + "\n", replace=bool(restarted_from))
        except UnsafeFileError as exc:  # an existing one belongs to another installation
            raise OplogError(f"cannot write the operation log anchor: {exc}; nothing changed") \
                from None
    return made


def restart(engine: Engine, master_key: bytes, anchor: Path, reason: str,
            actor: str | None = None) -> Anchor:
    """Begin a new log where the old one is gone; the new genesis names the old log and why."""
    if not reason.strip():
        raise ValidationError("reason: say why the operation log begins again (it is kept in "
                              "the new log's genesis record)")
    missing = missing_tables(engine)
    if missing:
        raise OplogError(f"the operation log's tables are missing ({', '.join(missing)}): run "
                         "'voco db upgrade' first")
    with Session(engine) as session:
        held = session.scalar(select(func.count()).select_from(OplogEntry))
        if held or session.get(OplogGenesis, 1) is not None:
            raise OplogError("the operation log still exists (run 'voco oplog verify'); a restart "
                             "is only for a database whose log is gone")
    previous = read_anchor(anchor)
    return begin(engine, master_key, anchor, "oplog restart",
                 {"reason": reason, "discarded": previous.installation if previous else ""},
                 actor, restarted_from=previous.installation if previous else "(unknown)",
                 reason=reason.strip())
