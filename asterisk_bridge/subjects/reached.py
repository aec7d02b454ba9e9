"""Every category a subject's find, export and erasure reach, in the order they are shown.

Each domain declares its own :class:`~asterisk_bridge.subjects.reach.Reach`; this is the one
list of them. A table that names people or holds their sealed values and is not covered here
fails ``tests/unit/test_subject_reach.py``. Conference logs join here when they exist.
"""

from __future__ import annotations

from asterisk_bridge.agents.subjects import AGENT_ACTIVITY
from asterisk_bridge.cdr import subjects as cdr
from asterisk_bridge.contacts import subjects as contacts
from asterisk_bridge.dbgrant.reach import DB_GRANT_ROWS
from asterisk_bridge.disclosures.reach import DISCLOSURES
from asterisk_bridge.holds.register import HOLDS
from asterisk_bridge.notifications import reach as notifications
from asterisk_bridge.oplog.subjects import OPLOG
from asterisk_bridge.provisioning.subjects import EXTENSIONS
from asterisk_bridge.recording import subjects as recording
from asterisk_bridge.subjects.reach import Reach
from asterisk_bridge.voicemail.subjects import VOICEMAIL

REACHES: tuple[Reach, ...] = (
    cdr.CDR,
    cdr.CALLS,
    DB_GRANT_ROWS,
    recording.RECORDINGS,
    recording.EVIDENCE,
    VOICEMAIL,
    contacts.COMPANY,
    contacts.PERSONAL,
    EXTENSIONS,
    AGENT_ACTIVITY,
    OPLOG,
    DISCLOSURES,
    HOLDS,
    notifications.RULES,
    notifications.HISTORY,
)


def categories() -> tuple[str, ...]:
    """The category names, as find and the disclosure register's items use them."""
    return tuple(r.category for r in REACHES)
