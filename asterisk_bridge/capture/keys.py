"""Capture data keys under the master key: the captures' :class:`SealedFileKind`, each wrap
bound to its key id and its capture, re-wrapped at rotation (the sealed files are never
touched)."""

from __future__ import annotations

from asterisk_bridge.crypto.filekind import SealedFileKind
from asterisk_bridge.store.models.capture import Capture, CaptureKey


def owner(capture_id: str) -> str:
    """What a capture's data key is bound to."""
    return f"capture:{capture_id}"


KIND = SealedFileKind("capture", "captures", CaptureKey, Capture,
                      bind=lambda held: owner(held.capture_id),
                      owner_of=lambda held: held.capture_id)
SEALED = KIND.registered("capture data keys")
