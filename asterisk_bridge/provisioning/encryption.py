"""How a phone or trunk may talk to the PBX: signalling transport and media encryption.

Encrypted is the default for extensions: SIP over TLS with SRTP keyed by SDES (the keys travel
in the SDP, which TLS protects). Plain UDP with plain RTP stays available for phones on a trusted
LAN, but only when asked for (``transport = udp``). A WebRTC extension always uses the secure
websocket and DTLS-SRTP, which is all a browser speaks. SDES over UDP is refused: it would send
the media keys in clear. Trunks default to what providers offer (UDP), and can be set to TLS.
"""

from __future__ import annotations

from typing import Any

from asterisk_bridge.errors import ValidationError

TRANSPORTS = ("tls", "udp")
MEDIA = ("sdes", "dtls", "none")


def normalise(transport: str, media: str, *, webrtc: bool, default: str) -> tuple[str, str]:
    """The (transport, media_encryption) pair to store; ``""`` means "the default for it"."""
    if not isinstance(transport, str) or not isinstance(media, str):
        raise ValidationError("transport and media_encryption must be text")
    if webrtc:
        if transport not in ("", "wss"):
            raise ValidationError(f"transport: a WebRTC extension connects over the secure "
                                  f"websocket (wss), not {transport}; drop --transport")
        if media not in ("", "dtls"):
            raise ValidationError(f"media_encryption: a browser speaks DTLS-SRTP only, not "
                                  f"{media}; drop --media-encryption")
        return "wss", "dtls"
    transport = transport or default
    if transport not in TRANSPORTS:
        raise ValidationError(f"transport: {transport!r} is not one of {', '.join(TRANSPORTS)}"
                              + (" (wss is for --webrtc extensions)" if transport == "wss"
                                 else ""))
    media = media or ("sdes" if transport == "tls" else "none")
    if media not in MEDIA:
        raise ValidationError(f"media_encryption: {media!r} is not one of {', '.join(MEDIA)}")
    if transport == "udp" and media == "sdes":
        raise ValidationError("media_encryption: SDES sends the SRTP keys inside the SIP "
                              "message, in clear over UDP; use transport tls, or dtls media")
    return transport, media


def follow(changes: dict[str, Any]) -> dict[str, Any]:
    """*changes* with the settings that follow from them left to their defaults again.

    Turning WebRTC on or off, or changing the transport, picks the matching transport and media
    encryption unless those are given too (so ``--transport udp`` alone drops SDES).
    """
    if "webrtc" in changes or "transport" in changes:
        changes.setdefault("media_encryption", "")
    if "webrtc" in changes:
        changes.setdefault("transport", "")
    return changes
