"""What a subject's rights reach of the operation log: the entries that name them.

An entry names a subject by id (a random token, never the person's identifier: CLI arguments
that identify someone are logged as :func:`asterisk_bridge.subjects.target.oplog_form`), so
finding them is a text search for the id. Erasure leaves every entry as it is, or the hash
chain would break: what was sealed in them under the subject's key just becomes unreadable.
The entries record what administrators did; they stay out of the subject's own export.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.subjects.reach import Access, Found, Reach


def references(access: Access) -> Found:
    """The sequence numbers of the entries naming the subject."""
    subject = access.target.subject_id
    if subject is None:
        return Found(0)
    pattern = f"%{subject}%"  # hex: nothing to escape
    seqs = access.conn.execute(select(OplogEntry.seq).where(or_(
        OplogEntry.args.like(pattern), OplogEntry.message.like(pattern)))
        .order_by(OplogEntry.seq)).scalars().all()
    return Found(len(seqs), tuple(str(s) for s in seqs))


OPLOG = Reach("oplog", find=references, exported=False,
              erasure="entries stay (the hash chain must verify); what was sealed in them "
                      "becomes unreadable")
