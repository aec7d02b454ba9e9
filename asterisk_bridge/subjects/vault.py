"""Subjects in the store: finding and creating them by identifier, their keys, and erasure.

Everything here works on one SQLAlchemy connection, inside the caller's transaction, so a batch
of CDRs is sealed and stored in one transaction with the subjects it needed. No subject key is
cached between calls: each :func:`keys` reads the wrapped keys it needs (one query) and unwraps
them (microseconds each), so a subject erased by another process can never be used again, here
or in a long-running bridge. Only the blind-index key, which erasure does not touch, is kept for
the life of a :class:`SubjectVault`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import CryptoError, KeyFileError, NotFoundError
from asterisk_bridge.masterkey.registry import sealed
from asterisk_bridge.store.models.subjects import (
    StoreKey,
    Subject,
    SubjectIdentifier,
    SubjectTombstone,
)
from asterisk_bridge.subjects import fields
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.identity import Identifier

BLIND_INDEX_KEY = "blind-index"
_BIDX_LABEL = b"voco-blind-index-v1\x00"


def _insert(conn: Connection) -> Any:
    """The store's dialect INSERT (with ``on_conflict_do_nothing``); PostgreSQL's dialect (some
    MB resident) is imported on a PostgreSQL store only."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
        return insert
    return sqlite.insert


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _bound(subject_id: str) -> str:
    return f"subject:{subject_id}"


@dataclass
class Keyring:
    """The keys of some subjects, read for one transaction; a missing key means erased."""

    keys: Mapping[str, bytes] = field(default_factory=dict)

    def seal(self, ref: FieldRef, value: str) -> bytes:
        """Seal *value* under the key of ``ref.subject`` (which must be in this ring)."""
        try:
            key = self.keys[ref.subject]
        except KeyError:
            raise CryptoError(f"subject {ref.subject} has no key (erased meanwhile?); "
                              f"{ref.table}.{ref.column} of {ref.row} not sealed") from None
        return fields.seal(key, ref, value)

    def open(self, ref: FieldRef, blob: bytes | None) -> str | None:
        """The plaintext, or None when there is nothing or the subject was erased."""
        if blob is None:
            return None
        key = self.keys.get(ref.subject)
        return None if key is None else fields.open_(key, ref, blob)

    def seal_row(self, table: str, row: str, subject: str,
                 values: Mapping[str, str | None]) -> dict[str, bytes | None]:
        """Seal one row's values for one subject, column by column; an empty value is stored
        as NULL (nothing to seal, and a sealed empty string would say nothing more)."""
        return {column: self.seal(FieldRef(table, column, row, subject), value) if value
                else None for column, value in values.items()}

    def open_row(self, table: str, row: str, subject: str | None,
                 blobs: Mapping[str, bytes | None]) -> dict[str, str | None]:
        """The values :meth:`seal_row` sealed (None: empty, or the subject was erased)."""
        return {column: None if subject is None else self.open(
                    FieldRef(table, column, row, subject), blob)
                for column, blob in blobs.items()}


class SubjectVault:
    """One process's access to subjects, under one master key."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._index_key: bytes | None = None

    # --- blind index -------------------------------------------------------------------------
    def blind(self, conn: Connection, ident: Identifier) -> str:
        """The keyed hash an identifier is stored and looked up by."""
        key = self._index_key or self._load_index_key(conn)
        return hmac.new(key, _BIDX_LABEL + ident.label.encode(), hashlib.sha256).hexdigest()

    def _load_index_key(self, conn: Connection) -> bytes:
        row = conn.execute(select(StoreKey).where(StoreKey.name == BLIND_INDEX_KEY)).first()
        if row is None:
            conn.execute(_insert(conn)(StoreKey).values(
                name=BLIND_INDEX_KEY, master_key_id=keywrap.master_key_id(self._master),
                wrapped=keywrap.wrap_key(self._master, keywrap.new_data_key(), BLIND_INDEX_KEY,
                                         "store"),
            ).on_conflict_do_nothing())
            row = conn.execute(select(StoreKey).where(StoreKey.name == BLIND_INDEX_KEY)).one()
        self._index_key = keywrap.unwrap_key(self._master, row.wrapped, BLIND_INDEX_KEY, "store")
        return self._index_key

    # --- finding and creating ----------------------------------------------------------------
    def lookup(self, conn: Connection, idents: Iterable[Identifier]) -> dict[Identifier, str]:
        """The subject of each identifier that has one (one query)."""
        by_bidx = {self.blind(conn, i): i for i in set(idents)}
        if not by_bidx:
            return {}
        rows = conn.execute(select(SubjectIdentifier.bidx, SubjectIdentifier.subject_id)
                            .where(SubjectIdentifier.bidx.in_(list(by_bidx))))
        return {by_bidx[b]: s for b, s in rows}

    def resolve(self, conn: Connection, idents: Iterable[Identifier],
                kind: str = "phone") -> dict[Identifier, str]:
        """The subject of each identifier, creating one subject (of *kind*) per identifier that
        has none. Two writers racing for the same identifier end up with the same subject."""
        wanted = set(idents)
        found = self.lookup(conn, wanted)
        created = {i: self._create(conn, kind) for i in wanted - set(found)}
        if created:
            for ident, subject_id in created.items():
                self._link(conn, subject_id, [ident])
            found.update(self.lookup(conn, created))
            self._drop_unlinked(conn, set(created.values()) - set(found.values()))
        return found

    def person(self, conn: Connection, idents: Iterable[Identifier], kind: str) -> str:
        """One subject for several identifiers of the same person (a contact's numbers and
        e-mail, an extension with its owner's mobile): an existing subject any of them already
        names is reused, and the identifiers no one holds yet are linked to it."""
        wanted = list(dict.fromkeys(idents))
        if not wanted:
            raise ValueError("a person needs at least one identifier")
        found = self.lookup(conn, wanted)
        subject_id = next((found[i] for i in wanted if i in found), None)
        fresh = subject_id is None
        if subject_id is None:
            subject_id = self._create(conn, kind)
        self._link(conn, subject_id, [i for i in wanted if i not in found])
        if fresh:
            now = self.lookup(conn, wanted)
            if subject_id not in now.values():  # a concurrent writer linked them all first
                self._drop_unlinked(conn, {subject_id})
                subject_id = next(now[i] for i in wanted if i in now)
        return subject_id

    def unlink(self, conn: Connection, subject_id: str, idents: Iterable[Identifier]) -> None:
        """Stop finding *subject_id* by these identifiers (e.g. a contact's removed number)."""
        bidxs = [self.blind(conn, i) for i in idents]
        if bidxs:
            conn.execute(delete(SubjectIdentifier).where(
                SubjectIdentifier.subject_id == subject_id, SubjectIdentifier.bidx.in_(bidxs)))

    def _create(self, conn: Connection, kind: str) -> str:
        subject_id = secrets.token_hex(16)
        conn.execute(insert(Subject).values(
            id=subject_id, kind=kind, created_at=_now(),
            master_key_id=keywrap.master_key_id(self._master),
            wrapped_key=keywrap.wrap_key(self._master, keywrap.new_data_key(), subject_id,
                                         _bound(subject_id))))
        return subject_id

    def _link(self, conn: Connection, subject_id: str, idents: Iterable[Identifier]) -> None:
        values = [{"bidx": self.blind(conn, i), "subject_id": subject_id, "kind": i.kind}
                  for i in idents]
        if values:
            conn.execute(_insert(conn)(SubjectIdentifier).on_conflict_do_nothing(),
                         values)

    @staticmethod
    def _drop_unlinked(conn: Connection, subject_ids: set[str]) -> None:
        """Subjects just created whose identifiers a concurrent writer linked first: nothing
        was sealed under them, so they go rather than keep keys nobody can find."""
        if subject_ids:
            conn.execute(delete(Subject).where(Subject.id.in_(sorted(subject_ids))))

    # --- keys --------------------------------------------------------------------------------
    def keys(self, conn: Connection, subject_ids: Iterable[str]) -> Keyring:
        """The keys of these subjects (one query); erased ones are simply absent."""
        ids = sorted(set(subject_ids))
        if not ids:
            return Keyring()
        rows = conn.execute(select(Subject.id, Subject.wrapped_key).where(Subject.id.in_(ids)))
        return Keyring({sid: keywrap.unwrap_key(self._master, wrapped, sid, _bound(sid))
                        for sid, wrapped in rows})

    # --- erasure -----------------------------------------------------------------------------
    def erase(self, conn: Connection, subject_id: str, actor: str, reason: str) -> None:
        """Destroy the subject's key and identifiers; leave a tombstone. Every field sealed under
        the key is unreadable from this commit on, in the store and in every backup of it once
        the backups that still hold the key row expire."""
        row = conn.execute(select(Subject.kind).where(Subject.id == subject_id)).first()
        if row is None:
            raise NotFoundError(f"subject {subject_id} does not exist (already erased?)")
        conn.execute(delete(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject_id))
        conn.execute(delete(Subject).where(Subject.id == subject_id))
        conn.execute(insert(SubjectTombstone).values(
            subject_id=subject_id, kind=row.kind, erased_at=_now(), erased_by=actor,
            reason=reason))


def reseal(session: Session, old: bytes, new: bytes) -> int:
    """Re-wrap every subject key and store key under the new master key (``keys rotate``)."""
    old_id, new_id = keywrap.master_key_id(old), keywrap.master_key_id(new)
    count = 0
    for subject in session.scalars(select(Subject).where(Subject.master_key_id != new_id)):
        _check_wrapped_by(subject.master_key_id, old_id, new_id, f"subject {subject.id}")
        key = keywrap.unwrap_key(old, subject.wrapped_key, subject.id, _bound(subject.id))
        subject.wrapped_key = keywrap.wrap_key(new, key, subject.id, _bound(subject.id))
        subject.master_key_id = new_id
        count += 1
    for held in session.scalars(select(StoreKey).where(StoreKey.master_key_id != new_id)):
        _check_wrapped_by(held.master_key_id, old_id, new_id, f"store key {held.name}")
        key = keywrap.unwrap_key(old, held.wrapped, held.name, "store")
        held.wrapped, held.master_key_id = keywrap.wrap_key(new, key, held.name, "store"), new_id
        count += 1
    return count


def _check_wrapped_by(actual: str, old_id: str, new_id: str, what: str) -> None:
    if actual != old_id:
        raise KeyFileError(f"{what} is wrapped by master key {actual}, which is neither the "
                           f"current ({old_id}) nor the new one ({new_id}); restore that key "
                           "file as the master key and rotate again")


SEALED = sealed("subject keys and store keys", reseal, Subject.wrapped_key, StoreKey.wrapped)
