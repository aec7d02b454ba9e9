"""What a subject's rights reach of recordings and consent evidence.

Finding a subject lists the recordings naming them as a party (:mod:`.parties`); their export
carries the audio (decrypted WAV); their erasure crypto-shreds each recording (key destroyed,
file removed, tombstone left), since a recording cannot be kept with one voice taken out.
Evidence rows are kept (they prove consent), with their personal fields unreadable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording import evidence, parties, shred
from asterisk_bridge.recording.vault import open_plaintext
from asterisk_bridge.store.models.recording import Recording
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Access, BundleFile, Exported, Reach, by_id
from asterisk_bridge.subjects.target import Target

TABLE = refs.table_of(Recording)
#: Columns about the store, not the call: kept out of the subject's export.
INTERNAL = ("path", "size", "sha256", "plain_size", "key_id", "master_key_id", "created_at")


def _export(access: Access) -> Exported:
    records, files = [], []
    for rec in RECORDINGS.rows(access):
        for column in INTERNAL:
            rec.pop(column, None)
        size = access.conn.execute(select(Recording.plain_size)
                                   .where(Recording.id == rec["id"])).scalar_one()
        rec["audio"] = f"recordings/{rec['id']}.wav"
        files.append(BundleFile(rec["audio"], size, _audio(access.app, rec["id"])))
        records.append(rec)
    return Exported(records, files)


def _audio(app: App, rec_id: str) -> Callable[[], Iterator[bytes]]:
    return lambda: open_plaintext(app, rec_id)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    with app.engine.connect() as conn:
        ids = list(conn.execute(select(Recording.id).where(
            refs.names(TABLE, [target.subject])).order_by(Recording.id)).scalars())
    why = f"erasure of subject {target.subject}: {reason}"[:validate.MAX_REASON]
    for rec_id in ids:
        shred.delete(app, rec_id, why, actor)
    return len(ids)


RECORDINGS = Reach("recordings", table="recordings", row_ref=by_id, export=_export,
                   sealed={parties.CALLEE: "channel_subject", parties.CALLER: "connected_subject"},
                   erase=_erase, erasure="crypto-shredded: key destroyed, file removed, "
                                         "tombstone left")
EVIDENCE = Reach("evidence", table=evidence.TABLE, row_ref=by_id,
                 sealed=dict.fromkeys(evidence.SEALED, "party_subject"))
