"""The registry of what the master key seals covers every sealed column of the schema.

The schema is walked, not a hand-kept list: every binary column and every column named like key
material must say who can open it (``info[SEALED_BY]``), and every column marked as sealed by the
master key must be re-sealed by exactly one registered kind.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table

from asterisk_bridge.errors import KeyFileError
from asterisk_bridge.masterkey import registry
from asterisk_bridge.masterkey.kinds import KINDS
from asterisk_bridge.store.models import Base
from asterisk_bridge.store.models.base import SEALED_BY, SEALED_BY_MASTER

# Names that hold secrets, keys or seals (but not identifiers such as key_id or a policy key).
_KEY_MATERIAL = re.compile(r"(^|_)(secret|password|passphrase|pin|token|mac|wrapped|sealed|"
                           r"salt|cred|credentials|private)($|_)")


def _columns() -> list[Column[object]]:
    return [c for t in Base.metadata.tables.values() for c in t.columns]


def test_every_binary_or_key_material_column_says_who_opens_it() -> None:
    undeclared = [f"{c.table.name}.{c.name}" for c in _columns()
                  if (c.type.python_type is bytes or _KEY_MATERIAL.search(c.name))
                  and c.info.get(SEALED_BY) not in ("master", "owner", "subject", "none")]
    assert undeclared == [], (
        "declare info=SEALED_BY_MASTER / SEALED_BY_OWNER / SEALED_BY_SUBJECT / NOT_SEALED on "
        "these columns, and register a kind in asterisk_bridge/masterkey/kinds.py for the "
        "master-sealed ones")


def test_the_registered_kinds_cover_exactly_the_master_sealed_columns() -> None:
    registry.check(Base.metadata, KINDS)
    covered = sorted(c for k in KINDS for c in k.columns)
    assert covered == sorted(registry.marked(Base.metadata))
    assert {"recording_keys.wrapped", "prov_extensions.sip_secret", "prov_trunks.sip_secret",
            "prov_conferences.pin", "oplog.mac", "oplog_head.mac"} <= set(covered)
    assert not {"personal_keyrings.wrapped_key", "personal_contacts.sealed"} & set(covered)


def _noop(*_args: object) -> int:
    return 0


def test_check_names_each_kind_of_gap() -> None:
    meta = MetaData()
    Table("vault", meta, Column("id", Integer, primary_key=True),
          Column("smtp_password", LargeBinary, info=SEALED_BY_MASTER),
          Column("api_secret", LargeBinary, info=SEALED_BY_MASTER),
          Column("note", String(10)))
    with pytest.raises(KeyFileError, match=r"vault\.smtp_password is sealed by the master key "
                                           r"but no registered kind re-seals it"):
        registry.check(meta, [registry.SealedKind("api secrets", _noop, ("vault.api_secret",))])
    twice = [registry.SealedKind(n, _noop, ("vault.smtp_password", "vault.api_secret"))
             for n in ("a", "b")]
    with pytest.raises(KeyFileError, match=r"vault\.api_secret is re-sealed twice \(a, b\)"):
        registry.check(meta, twice)
    with pytest.raises(KeyFileError, match=r"vault\.note is re-sealed by notes but its model "
                                           r"does not mark it sealed"):
        registry.check(meta, [*twice[:1], registry.SealedKind("notes", _noop, ("vault.note",))])
    registry.check(meta, twice[:1])
