"""Permanent deletion of CDRs, always leaving a tombstone in the operation log.

The tombstone says what was deleted (kind, filter), how many rows, why (the admin's reason or
the retention rule) and by whom; it never holds the deleted data itself. Rows go in batches so a
large deletion neither locks the store for long nor needs memory for every id. The tombstone is
written after the rows are gone, with the count actually deleted.
"""

from __future__ import annotations

import json

from asterisk_bridge.cdr.query import CdrFilter, delete_batch
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError

BATCH = 5000
TOMBSTONE = "cdr tombstone"


def delete_cdrs(app: App, flt: CdrFilter, reason: str, actor: str | None = None) -> int:
    """Delete every row ``flt`` selects; write the tombstone; return the count."""
    if flt.is_empty():
        raise ValidationError("refusing to delete every CDR: give --id or at least one filter")
    if not reason.strip():
        raise ValidationError("reason: say why these CDRs are deleted (kept in the operation log)")
    deleted = 0
    while True:
        n = delete_batch(app.engine, flt, BATCH)
        deleted += n
        if n < BATCH:
            break
    tomb = {"kind": "cdr", "deleted": deleted, "filter": flt.describe(), "reason": reason}
    app.record(TOMBSTONE, tomb, "ok", json.dumps(tomb, sort_keys=True), actor)
    return deleted
