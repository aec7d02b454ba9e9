"""Startup repair of the encrypted store after a crash, before the first sweep.

A crash mid-encryption leaves a temporary ciphertext beside its target (the plaintext is still
in the spool, so the sweep redoes it); a crash mid-delete leaves a row whose key is already
destroyed. Neither holds readable audio; both are cleaned up here.
"""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.recording import shred
from asterisk_bridge.recording.vault import CIPHER_SUFFIX, recordings_dir

log = get_logger("recording")


def recover_store(app: App) -> None:
    """Remove stale temporary ciphertexts and finish interrupted deletions.

    Call with the spool lock held: a concurrent sweep's temporary file is not stale.
    """
    for tmp in recordings_dir(app).glob(f".*{CIPHER_SUFFIX}.*.tmp"):
        log.warning("recording.stale_temp_removed", extra=fields(file=tmp.name))
        tmp.unlink(missing_ok=True)
    for rec_id in shred.finish_interrupted(app):
        log.warning("recording.deletion_finished", extra=fields(recording=rec_id))
