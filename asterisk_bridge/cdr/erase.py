"""Permanent deletion of CDRs: rows, every copy Voco controls, and a tombstone of each.

In one transaction per batch, each deleted record leaves a tombstone (natural key, who, when,
why: none of its data) that every storing path honours, so no copy (Master.csv, the journal, an
AMI event in flight) can bring it back; records older than the retention floor need none (see
:mod:`~asterisk_bridge.cdr.tombstones`). Then Asterisk's CDR files are scrubbed of them (see
:func:`~asterisk_bridge.cdr.reconcile.scrub`), and the operation log gets one entry with what was
deleted (kind, filter), how many rows, why and by whom. Rows go in batches so a large deletion
neither locks the store for long nor needs memory for every id. A legal hold covering any
selected record refuses the whole deletion, naming the hold; retention instead keeps the held
records and deletes the rest.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from functools import partial

from sqlalchemy import ColumnElement, Engine, and_, delete, select

from asterisk_bridge import oplog
from asterisk_bridge.cdr import reconcile, tombstones
from asterisk_bridge.cdr.query import CdrFilter, resolved
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.holds import guard
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.refs import table_of

log = logging.getLogger(__name__)

BATCH = 5000
TOMBSTONE = "cdr tombstone"
TABLE = table_of(CdrRecord)


def delete_cdrs(app: App, flt: CdrFilter, reason: str, actor: str | None = None, *,
                keep_held: bool = False) -> int:
    """Delete every row ``flt`` selects and its copies; write the tombstones and the oplog
    entry; return the count. HeldError if a legal hold covers a selected row, unless
    *keep_held* (retention), which deletes only the rows no hold covers."""
    if flt.is_empty():
        raise ValidationError("refusing to delete every CDR: give --id or at least one filter")
    flt = resolved(app, flt)
    if not reason.strip():
        raise ValidationError("reason: say why these CDRs are deleted (kept in the operation log)")
    if not keep_held:
        with app.engine.connect() as conn:
            guard.refuse(conn, "delete these CDRs", TABLE, flt.clause())
    who = actor or oplog.current_actor()
    # Held rows are kept in every batch, so a hold placed during a long deletion still wins.
    where = and_(flt.clause(), guard.unheld(TABLE))
    deleted = 0
    while True:
        n = _delete_batch(app.engine, where, who, reason)
        deleted += n
        if n < BATCH:
            break
    tomb = {"kind": "cdr", "deleted": deleted, "filter": flt.describe(), "reason": reason,
            "asterisk_files": scrub_asterisk_copies(app) if deleted else "nothing to scrub"}
    app.tombstone(TOMBSTONE, tomb, actor)
    return deleted


def scrub_asterisk_copies(app: App) -> dict[str, int] | str:
    """Remove deleted records from this node's Asterisk CDR files; what was done, or why not
    (the bridge's reconciliation then removes them: it never imports them and deletes the
    files)."""
    log_dir = app.config.asterisk.ast_log_dir
    if not log_dir:
        return "not configured ([asterisk] ast_log_dir)"
    refuse = partial(tombstones.refused_keys, app.engine)
    try:
        report = reconcile.scrub(reconcile.csv_dir(log_dir), app.config.asterisk.node, refuse,
                                 reconcile.GRACE_S)
    except OSError as exc:
        log.warning("could not scrub Asterisk's CDR files (%s); the bridge's reconciliation "
                    "removes the deleted records from them", exc)
        return f"not scrubbed here ({exc.strerror or exc}): left to the bridge"
    return asdict(report)


def _delete_batch(engine: Engine, where: ColumnElement[bool], who: str, reason: str) -> int:
    """Delete up to :data:`BATCH` selected rows and tombstone them, in one transaction."""
    c = CdrRecord
    with engine.begin() as conn:
        found = conn.execute(select(c.id, c.node, c.uniqueid, c.sequence, c.start)
                             .where(where).limit(BATCH)).all()
        if not found:
            return 0
        bottom = tombstones.floor(conn)
        tombstones.record(conn, [(n, u, s) for _, n, u, s, start in found
                                 if bottom is None or start >= bottom],
                          who, reason, tombstones.now())
        conn.execute(delete(c).where(c.id.in_([row.id for row in found])))
        return len(found)
