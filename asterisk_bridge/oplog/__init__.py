"""The tamper-evident operation log: every change (and every bulk read of personal data) Voco
makes, hash-chained and sealed with a key derived from the master key.

``chain`` appends and lists entries, ``seal`` holds the hashes and MACs, ``verify`` walks the
chain, ``reseal`` moves the seals to a new master key, ``redact`` keeps secrets out of it and
``actor`` names who ran a command. docs/oplog.md says what the log holds and what it detects.
"""

from asterisk_bridge.oplog.actor import current_actor
from asterisk_bridge.oplog.chain import GENESIS, Filters, append, entries
from asterisk_bridge.oplog.redact import REDACTED, redact
from asterisk_bridge.oplog.reseal import reseal
from asterisk_bridge.oplog.verify import VerifyReport, verify
from asterisk_bridge.store.models import OplogEntry

__all__ = ["GENESIS", "REDACTED", "Filters", "OplogEntry", "VerifyReport", "append",
           "current_actor", "entries", "redact", "reseal", "verify"]
