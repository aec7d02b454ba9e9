"""The tamper-evident operation log: every change (and every bulk read of personal data) Voco
makes, hash-chained from a sealed genesis record and sealed with a key derived from the master
key.

``chain`` appends and lists entries, ``genesis`` begins a log (and, visibly, restarts one),
``seal`` holds the hashes and labelled MACs, ``verify`` walks the log, ``reseal`` moves the seals
to a new master key, ``redact`` keeps secrets out of it and ``actor`` names who ran a command.
docs/oplog.md says what the log holds and what it detects.
"""

from asterisk_bridge.oplog.actor import current_actor
from asterisk_bridge.oplog.chain import Filters, append, entries
from asterisk_bridge.oplog.genesis import Anchor, begin, restart
from asterisk_bridge.oplog.redact import REDACTED, redact
from asterisk_bridge.oplog.reseal import reseal
from asterisk_bridge.oplog.verify import VerifyReport, verify
from asterisk_bridge.store.models import OplogEntry

__all__ = ["REDACTED", "Anchor", "Filters", "OplogEntry", "VerifyReport", "append",
           "begin", "current_actor", "entries", "redact", "reseal", "restart", "verify"]
