"""Every category retention covers. Captures join here when they exist, each
with its own purge: nothing is kept for ever by omission, and nothing is purged by a path that
skips its domain's tombstones. A new category's name also goes into
:mod:`~asterisk_bridge.retention.choices`."""

from __future__ import annotations

from asterisk_bridge.capture.retention import CATEGORY as CAPTURES
from asterisk_bridge.cdr.retention import CATEGORY as CDR
from asterisk_bridge.debuglog.retention import CATEGORY as DEBUG_LOGS
from asterisk_bridge.notifications.reach import CATEGORY as NOTIFICATIONS
from asterisk_bridge.recording.retention import CATEGORY as RECORDINGS
from asterisk_bridge.retention.category import Category
from asterisk_bridge.voicemail.retention import TRANSCRIPTS, VOICEMAIL

CATEGORIES: tuple[Category, ...] = (CDR, RECORDINGS, DEBUG_LOGS, NOTIFICATIONS, VOICEMAIL,
                                    TRANSCRIPTS, CAPTURES)
NAMES = tuple(c.name for c in CATEGORIES)
