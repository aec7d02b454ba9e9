"""The capabilities a bridge runs, in order. Each feature adds itself here."""

from __future__ import annotations

from asterisk_bridge.agents.capability import AgentActivity
from asterisk_bridge.amiusers.watch import AmiLoginWatch
from asterisk_bridge.bridge.capability import Capability
from asterisk_bridge.callerinfo.capability import InboundDoors
from asterisk_bridge.capture.capability import CaptureSweep
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.context import App
from asterisk_bridge.dbgrant.capability import GrantProjections
from asterisk_bridge.debuglog.capability import DebugExpiry
from asterisk_bridge.grants.capability import GrantExpiry
from asterisk_bridge.intrusion.capability import IntrusionResponse
from asterisk_bridge.notifications.capability import NotificationsCapability
from asterisk_bridge.recording.capability_store import RecordingStore
from asterisk_bridge.recording.consent_capability import ConsentCapability
from asterisk_bridge.retention.capability import RetentionCapability
from asterisk_bridge.tls.watch import CertificateWatch
from asterisk_bridge.voicemail.capability import VoicemailStore
from asterisk_bridge.voicemail.menu import VoicemailMenu
from asterisk_bridge.voicemail.privacy import VoicemailPrivacy
from asterisk_bridge.voicemail.transcribe.capability import TranscriptionCapability


def default_capabilities(app: App) -> list[Capability]:
    """Every capability enabled for ``app``."""
    return [RecordingStore(app), CdrCapture(app), ConsentCapability(app), VoicemailPrivacy(app),
            VoicemailStore(app), VoicemailMenu(app), TranscriptionCapability(app),
            RetentionCapability(app), DebugExpiry(app), AmiLoginWatch(app),
            NotificationsCapability(app), IntrusionResponse(app), InboundDoors(app),
            CaptureSweep(app), AgentActivity(app), GrantProjections(app),
            CertificateWatch(app), GrantExpiry(app)]
