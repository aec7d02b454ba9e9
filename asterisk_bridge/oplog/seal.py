"""The hashes that chain the log and the MACs that seal it under the master key.

Every MAC is labelled with what it seals (``entry``, ``head``, ``genesis``), so a MAC of one kind
is never valid as another: copying the newest remaining entry's MAC into the head no longer
makes a head, which is how a deleted tail used to pass.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from asterisk_bridge.store.models import OplogEntry, OplogGenesis


def mac_key(master_key: bytes) -> bytes:
    """The log's own key, derived from the master key."""
    return hmac.new(master_key, b"voco-oplog-v1", hashlib.sha256).digest()


def _canonical(*fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _mac(key: bytes, label: str, *fields: object) -> str:
    return hmac.new(key, label.encode() + b"\0" + _canonical(*fields), hashlib.sha256).hexdigest()


def entry_hash(seq: int, ts: str, actor: str, command: str, args: str, result: str,
               message: str, prev_hash: str) -> str:
    """SHA-256 over an entry's fields and its predecessor's hash."""
    body = _canonical(seq, ts, actor, command, args, result, message, prev_hash)
    return hashlib.sha256(body).hexdigest()


def genesis_hash(installation: str, created_at: str, restarted_from: str, reason: str) -> str:
    """SHA-256 over the genesis record: what entry 1 chains from."""
    body = _canonical("genesis", installation, created_at, restarted_from, reason)
    return hashlib.sha256(body).hexdigest()


def hash_of_entry(e: OplogEntry) -> str:
    """What a stored entry's ``hash`` must be, recomputed from its fields."""
    return entry_hash(e.seq, e.ts, e.actor, e.command, e.args, e.result, e.message, e.prev_hash)


def hash_of_genesis(g: OplogGenesis) -> str:
    """What the stored genesis record's ``hash`` must be, recomputed from its fields."""
    return genesis_hash(g.installation, g.created_at, g.restarted_from, g.reason)


def entry_mac(key: bytes, seq: int, digest: str) -> str:
    """The seal of one entry."""
    return _mac(key, "entry", seq, digest)


def head_mac(key: bytes, installation: str, count: int, seq: int, digest: str) -> str:
    """The seal of the head: how many entries, the newest one, and whose log it is."""
    return _mac(key, "head", installation, count, seq, digest)


def genesis_mac(key: bytes, digest: str) -> str:
    """The seal of the genesis record."""
    return _mac(key, "genesis", digest)


def same(expected: str, stored: str) -> bool:
    """Constant-time comparison of a computed and a stored MAC."""
    return hmac.compare_digest(expected, stored)
