"""Every kind of data the master key seals. A feature that seals something adds one line here.

Forgetting is caught twice: the registry test and every rotation compare this list with the
columns the models mark ``SEALED_BY_MASTER`` (:func:`asterisk_bridge.masterkey.registry.check`).
"""

from __future__ import annotations

from asterisk_bridge import oplog
from asterisk_bridge.capture import keys as capture_keys
from asterisk_bridge.grants import register as grants
from asterisk_bridge.masterkey.registry import SealedKind, sealed
from asterisk_bridge.notifications import smtp_settings
from asterisk_bridge.provisioning import conferences, extensions, trunks
from asterisk_bridge.recording import keys as recording_keys
from asterisk_bridge.store.models import OplogEntry, OplogGenesis, OplogHead
from asterisk_bridge.subjects import vault as subjects
from asterisk_bridge.voicemail import keys as voicemail_keys
from asterisk_bridge.voicemail.transcribe import settings as transcription

KINDS: tuple[SealedKind, ...] = (
    recording_keys.SEALED,
    capture_keys.SEALED,
    extensions.SEALED,
    trunks.SEALED,
    conferences.SEALED,
    subjects.SEALED,
    grants.SEALED,
    smtp_settings.SEALED,
    voicemail_keys.SEALED,
    transcription.SEALED,
    sealed("operation log seals", oplog.reseal, OplogEntry.mac, OplogHead.mac,
           OplogGenesis.mac),
)
