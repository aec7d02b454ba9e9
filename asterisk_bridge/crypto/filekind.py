"""One kind of file sealed at rest: its directory, its data keys, their rotation, their opening.

Recordings, voicemail (audio and transcripts) and packet captures are each sealed per file
(:mod:`asterisk_bridge.crypto.sealing`) under a fresh data key, wrapped by the master key and
bound to what it seals, so a wrapped key moved to another file or use does not open. What
differs between them is data: where the files live, which table holds the keys and which the
rows, and what a key is bound to. Each domain configures one :class:`SealedFileKind`; the key
handling (unwrap, re-wrap at a master key rotation, the registry entry) and the authenticated
read are written once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.crypto.sealing import open_sealed
from asterisk_bridge.errors import CryptoError, KeyFileError
from asterisk_bridge.masterkey.registry import SealedKind, sealed

if TYPE_CHECKING:
    from asterisk_bridge.context import App


@dataclass(frozen=True)
class SealedFileKind:
    """A kind of sealed file, as one domain configures it."""

    noun: str  # how messages name it: "recording", "voicemail", "capture"
    directory_name: str  # under the data directory
    key_model: type[Any]  # key rows: key_id, wrapped, master_key_id
    row_model: type[Any]  # the files' rows, each naming its master_key_id
    bind: Callable[[Any], str]  # a key row -> what its wrap is bound to
    owner_of: Callable[[Any], str]  # a key row -> the id of what it seals, for messages
    legacy: bool = False  # version 1 wraps (bound to the key id only) still open

    def directory(self, app: App) -> Path:
        """``<data_dir>/<directory_name>``, created 0700 on first use."""
        path = app.config.data_dir / self.directory_name
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path

    def unwrap(self, master: bytes, held: Any) -> bytes:
        """The data key of key row *held*; CryptoError names what it seals if it does not
        open."""
        if self.legacy and keywrap.is_legacy(held.wrapped):
            return keywrap.unwrap_legacy_key(master, held.wrapped, held.key_id)
        try:
            return keywrap.unwrap_key(master, held.wrapped, held.key_id, self.bind(held))
        except CryptoError as exc:
            raise CryptoError(f"{self.noun} {self.owner_of(held)}: {exc}") from None

    def open(self, app: App, name: str, key: bytes, key_id: str, what: str
             ) -> Iterator[bytes]:
        """The authenticated plaintext of the file *name*, chunk by chunk."""
        return open_sealed(self.directory(app) / name, key, key_id, what)

    def reseal(self, session: Session, old: bytes, new: bytes) -> int:
        """Re-wrap, bound as always, every data key still under *old*; returns how many (the
        files are never touched)."""
        old_id, new_id = keywrap.master_key_id(old), keywrap.master_key_id(new)
        keys = self.key_model
        count = 0
        for held in session.scalars(select(keys).where(keys.master_key_id != new_id)):
            if held.master_key_id != old_id:
                raise KeyFileError(
                    f"{self.noun} data key {held.key_id} is wrapped by master key "
                    f"{held.master_key_id}, which is neither the current ({old_id}) nor the "
                    f"new one ({new_id}); restore that key file as the master key and rotate "
                    "again")
            held.wrapped = keywrap.wrap_key(new, self.unwrap(old, held), held.key_id,
                                            self.bind(held))
            held.master_key_id = new_id
            count += 1
        session.execute(update(self.row_model).where(self.row_model.master_key_id == old_id)
                        .values(master_key_id=new_id))
        return count

    def registered(self, name: str) -> SealedKind:
        """This kind's entry in the registry of what the master key seals."""
        return sealed(name, self.reseal, self.key_model.wrapped)
