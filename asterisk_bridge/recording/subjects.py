"""What a subject's rights reach of recordings and consent evidence.

Finding a subject lists the recordings naming them as a party (:mod:`.parties`); their export
carries the audio (decrypted WAV); their erasure crypto-shreds each recording (key destroyed,
file removed, tombstone left), since a recording cannot be kept with one voice taken out.
Evidence rows are kept (they prove consent), with their personal fields unreadable.
"""

from __future__ import annotations

from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence, parties, shred
from asterisk_bridge.recording.vault import open_plaintext
from asterisk_bridge.store.models.recording import Recording
from asterisk_bridge.subjects import sealedfiles
from asterisk_bridge.subjects.reach import Access, Exported, Reach, by_id
from asterisk_bridge.subjects.target import Target

#: Columns about the store, not the call: kept out of the subject's export.
INTERNAL = ("path", "size", "sha256", "plain_size", "key_id", "master_key_id", "created_at")


def _export(access: Access) -> Exported:
    return sealedfiles.export(access, RECORDINGS, "recordings", INTERNAL, open_plaintext)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    return sealedfiles.erase(app, target, Recording, shred.delete, actor, reason)


RECORDINGS = Reach("recordings", table="recordings", row_ref=by_id, export=_export,
                   sealed={parties.CALLEE: "channel_subject", parties.CALLER: "connected_subject"},
                   erase=_erase, erasure="crypto-shredded: key destroyed, file removed, "
                                         "tombstone left")
EVIDENCE = Reach("evidence", table=evidence.TABLE, row_ref=by_id,
                 sealed=dict.fromkeys(evidence.SEALED, "party_subject"))
