"""What one capture runs: its filter (the PBX's SIP port, its RTP range, or both), its limits,
and the dumpcap command line that enforces them by itself."""

from __future__ import annotations

import re
from pathlib import Path

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import validate

SCOPES = ("sip", "rtp", "all")
MOST_S = 4 * 3600
MOST_BYTES = 1024**3
LEAST_BYTES = 64 * 1024
_SIZE = re.compile(r"^(?P<n>[0-9]{1,7})(?P<unit>[KMG]?)B?$")
_UNIT = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_IFACE = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")


def max_bytes(value: str) -> int:
    """``100M``, ``512K``, ``1G`` as bytes (64 KiB to 1 GiB)."""
    m = _SIZE.match(value.strip().upper())
    if not m:
        raise ValidationError(f"max-size: {value!r} is not a size such as 512K, 100M or 1G")
    size = int(m["n"]) * _UNIT[m["unit"]]
    if not LEAST_BYTES <= size <= MOST_BYTES:
        raise ValidationError(f"max-size: {value!r} must be between 64K and 1G")
    return size


def bpf(settings: AsteriskSettings, scope: str) -> str:
    """The capture filter for *scope*: only the PBX's own SIP and RTP traffic."""
    if scope not in SCOPES:
        raise ValidationError(f"scope: {scope!r} is not one of {', '.join(SCOPES)}")
    sip = f"port {validate.port(settings.sip_port, 'sip_port')}"
    start = validate.port(settings.rtp_start, "rtp_start")
    end = validate.port(settings.rtp_end, "rtp_end")
    if start > end:
        raise ValidationError(f"rtp_start ({start}) is above rtp_end ({end})")
    rtp = f"udp portrange {start}-{end}"
    return {"sip": sip, "rtp": rtp, "all": f"{sip} or {rtp}"}[scope]


def interface(settings: AsteriskSettings) -> str:
    """The interface dumpcap listens on (``any`` by default)."""
    if not _IFACE.match(settings.capture_interface):
        raise ValidationError(f"capture_interface: {settings.capture_interface!r} is not an "
                              "interface name")
    return settings.capture_interface


def dumpcap_argv(settings: AsteriskSettings, scope: str, seconds: int, size: int,
                 out: Path) -> list[str]:
    """dumpcap stopping itself at *seconds* or *size* bytes, whatever happens to Voco."""
    return ["dumpcap", "-q", "-P", "-i", interface(settings), "-f", bpf(settings, scope),
            "-a", f"duration:{seconds}", "-a", f"filesize:{max(size // 1024, 1)}",
            "-w", str(out)]
