"""The hashes that chain entries and the MACs that seal them under the master key."""

from __future__ import annotations

import hashlib
import hmac
import json


def mac_key(master_key: bytes) -> bytes:
    """The log's own key, derived from the master key."""
    return hmac.new(master_key, b"voco-oplog-v1", hashlib.sha256).digest()


def entry_hash(seq: int, ts: str, actor: str, command: str, args: str, result: str,
               message: str, prev_hash: str) -> str:
    """SHA-256 over an entry's fields and its predecessor's hash."""
    body = json.dumps(
        [seq, ts, actor, command, args, result, message, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(key: bytes, seq: int, digest: str) -> str:
    """The MAC of one entry."""
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()
