"""What a subject's rights reach of the database grants: the rows of open grants' clear
projections that hold their values. Erasure clears those values in the transaction that
destroys the key, so no clear copy of an erased person outlives their key; the rows stay, as
in the store. Not in the subject's own export: the same values are there as their CDRs."""

from __future__ import annotations

from asterisk_bridge.dbgrant import projection
from asterisk_bridge.subjects.reach import Access, Found, Reach


def _found(access: Access) -> Found:
    subject = access.target.subject_id
    if subject is None:
        return Found(0)
    held = projection.holding(access.conn, subject)
    return Found(sum(held.values()), tuple(held))


DB_GRANT_ROWS = Reach(
    "db_grant_rows", find=_found, exported=False, with_key=projection.erase,
    erasure="cleared from every database grant's clear projection with the key; rows stay")
