"""One pass over Asterisk's voicemail spool: every finished message goes into the store.

Idempotent and safe to repeat at any moment, which is what makes the bridge crash-proof:
whatever a killed bridge left behind, the next sweep finds in the spool, and a message already
stored is only removed from the spool, never stored twice. Sweeps are serialised across
processes with the recording pipeline's lock file, kept in the voicemail spool itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.recording.pipeline import spool_lock
from asterisk_bridge.voicemail import shred, spool
from asterisk_bridge.voicemail.vault import VoicemailStoreError, store

log = get_logger("voicemail")



@dataclass
class SweepReport:
    """What one sweep did: ids stored, and spool files that could not be stored (retried)."""

    stored: list[str] = field(default_factory=list)
    mailboxes: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)  # the callers' channels of what was stored
    failed: dict[str, str] = field(default_factory=dict)


def sweep(app: App, root: Path, *, linkedids: Mapping[str, str] | None = None,
          transcribe: bool = False, startup: bool = False) -> SweepReport:
    """Store every finished message under *root*. *linkedids* maps a caller's channel to its
    call (from the notice's and app_voicemail's events the bridge saw; a message left while the
    bridge was down is stored without its call). With *startup*, first finish what a crash
    interrupted."""
    report = SweepReport()
    if not root.is_dir():
        return report
    with spool_lock(root):
        if startup:
            for msg_id in shred.finish_interrupted(app):
                log.warning("voicemail.deletion_finished", extra=fields(message=msg_id))
        for msg in spool.scan(root):
            try:
                row = store(app, msg, linkedid=(linkedids or {}).get(msg.channel, ""),
                            transcribe=transcribe)
            except VoicemailStoreError as exc:
                log.error("voicemail.store_failed", extra=fields(file=str(msg.txt),
                                                                 error=str(exc)))
                report.failed[str(msg.txt)] = str(exc)
                continue
            report.stored.append(row.id)
            report.mailboxes.add(row.mailbox)
            report.channels.add(msg.channel)
            log.info("voicemail.stored", extra=fields(message=row.id, mailbox=row.mailbox))
    return report
