"""What a subject's rights do to sealed files (recordings, voicemail), written once.

Export carries each file's plaintext into the bundle beside its row, without the columns that
describe the store rather than the person; erasure crypto-shreds every file whose row names the
subject (a file cannot be kept with one voice taken out), each with a tombstone saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.provisioning import validate
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Access, BundleFile, Exported, Reach
from asterisk_bridge.subjects.target import Target

#: ``(app, file id) -> its authenticated plaintext, chunk by chunk``
Opener = Callable[[App, str], Iterator[bytes]]
#: ``(app, file id, reason, actor)``: crypto-shred one file, leaving its tombstone
Shredder = Callable[[App, str, str, str], object]


def export(access: Access, reach: Reach, folder: str, internal: tuple[str, ...],
           opener: Opener) -> Exported:
    """The rows *reach* finds, each with its file as ``<folder>/<id>.wav`` in the bundle."""
    records, files = [], []
    for rec in reach.rows(access):
        size = rec.pop("plain_size")
        for column in internal:
            rec.pop(column, None)
        rec["audio"] = f"{folder}/{rec['id']}.wav"
        files.append(BundleFile(rec["audio"], size, _chunks(opener, access.app, rec["id"])))
        records.append(rec)
    return Exported(records, files)


def _chunks(opener: Opener, app: App, file_id: str) -> Callable[[], Iterator[bytes]]:
    return lambda: opener(app, file_id)


def erase(app: App, target: Target, model: Any, shred: Shredder, actor: str,
          reason: str) -> int:
    """Crypto-shred every file whose *model* row names the subject; returns how many."""
    with app.engine.connect() as conn:
        ids = list(conn.execute(select(model.id).where(
            refs.names(refs.table_of(model), [target.subject])).order_by(model.id)).scalars())
    why = f"erasure of subject {target.subject}: {reason}"[:validate.MAX_REASON]
    for file_id in ids:
        shred(app, file_id, why, actor)
    return len(ids)
