"""Recording data keys under the master key: the recordings' :class:`SealedFileKind`.

A wrap is bound to its key id *and* its recording id, and a row and its key row must name each
other, so a wrapped key, key row or recording row moved or swapped to another recording does not
open (the file header's key id is checked when it is read). Only the wraps change at a rotation:
the audio files are never touched. Version 1 wraps (bound to the key id only, written before the
binding existed) still open, and every rotation rewraps them bound.
"""

from __future__ import annotations

from asterisk_bridge.crypto.filekind import SealedFileKind
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.store.models.recording import Recording, RecordingKey


def owner(rec_id: str) -> str:
    """What a recording's data key is bound to when wrapped."""
    return f"recording:{rec_id}"


KIND = SealedFileKind("recording", "recordings", RecordingKey, Recording,
                      bind=lambda held: owner(held.recording_id),
                      owner_of=lambda held: held.recording_id, legacy=True)
SEALED = KIND.registered("recording data keys")


def unwrap(master: bytes, row: Recording, held: RecordingKey) -> bytes:
    """The data key of recording *row*; CryptoError if the rows do not belong together."""
    if held.key_id != row.key_id or held.recording_id != row.id:
        raise CryptoError(
            f"recording {row.id} names data key {row.key_id}, whose key row belongs to "
            f"recording {held.recording_id}: the rows were swapped or edited; not opened")
    return KIND.unwrap(master, held)
