"""What a subject's rights reach of the CDRs: the legs naming them, and the calls they make up.

A CDR's personal fields are sealed under the key of the party they describe, each bound to the
record's natural key; erasure leaves the row (time, duration, disposition: what billing needs)
with those fields unreadable. The calls are the distinct linkedids of every row that names the
subject and belongs to a call (CDRs, recordings, ...).
"""

from __future__ import annotations

from sqlalchemy import select, union

from asterisk_bridge.cdr import sealing
from asterisk_bridge.store.models import Base
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Access, Found, Reach


def calls(access: Access) -> Found:
    """The calls any row naming the subject belongs to."""
    subject = access.target.subject_id
    if subject is None:
        return Found(0)
    parts = [select(call.label("linkedid")).where(refs.names(t, [subject]))
             for t in Base.metadata.tables.values()
             if refs.ref_columns(t) and (call := refs.call_column(t)) is not None]
    linkedids = sorted(access.conn.execute(union(*parts)).scalars()) if parts else []
    return Found(len(linkedids), tuple(linkedids))


CDR = Reach("cdr", table=sealing.TABLE, row_ref=sealing.natural_key,
            sealed={c: role for role, columns in sealing.ROLES.items() for c in columns})
CALLS = Reach("calls", find=calls, exported=False,
              erasure="kept: calls are their CDR legs, exported and erased with them")
