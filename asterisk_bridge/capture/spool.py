"""Where a running capture's plaintext lives: ``<ram_log_dir>/captures``, refused unless RAM,
and how to tell whether its processes still run (by their command line, not just a pid)."""

from __future__ import annotations

from pathlib import Path

from asterisk_bridge import ramdir
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.errors import ConfigError

SUFFIX = ".pcap"


def spool_dir(settings: AsteriskSettings) -> Path:
    """The RAM spool of captures, created 0700 in the RAM directory."""
    if not settings.ram_log_dir:
        raise ConfigError("no RAM directory for captures: set ram_log_dir in [asterisk] of the "
                          "config file to a tmpfs directory")
    ram = Path(settings.ram_log_dir)
    ramdir.require_ram_backed(ram, "RAM directory (ram_log_dir)")
    path = ram / "captures"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def plain_path(settings: AsteriskSettings, capture_id: str) -> Path:
    """The capture's plaintext pcap in the RAM spool."""
    return spool_dir(settings) / f"{capture_id}{SUFFIX}"


def running(pid: int | None, marker: str) -> bool:
    """Whether *pid* is alive (not a zombie) and its command line holds *marker*."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return marker.encode() in cmdline and stat.rsplit(")", 1)[1].split()[0] != "Z"
