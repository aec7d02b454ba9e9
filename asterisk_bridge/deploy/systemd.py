"""systemd units for a plain Debian host: the bridge, the API, the RAM spool and TLS renewal.

The units are rendered from the config, so they name this installation's paths: the data
directory is the only place the services may write (plus the RAM spool the bridge empties), the
config and everything else stay read-only (``ProtectSystem=strict``). The services run as their
own user, in the Asterisk group to read the recordings Asterisk leaves in the spool.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from asterisk_bridge.config import Config
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.generator.render import render
from asterisk_bridge.provisioning import validate
from asterisk_bridge.safewrite import write_private

UNIT_DIR = Path("/etc/systemd/system")
MEMORY_MAX = "512M"


class UnitName(validate.Structured):
    """A unit name from :func:`escape_path`: its ``\\xNN`` escapes need the backslash."""

    ALLOWS = frozenset("\\")


def escape_path(path: Path) -> UnitName:
    """``systemd-escape --path``: the name a mount unit for *path* must have (without suffix)."""
    parts = [p for p in str(path).split("/") if p]
    out = ["".join(c if (c.isascii() and (c.isalnum() or c in "_.")) else f"\\x{ord(c):02x}"
                   for c in part) for part in parts]
    name = "-".join(out) or "-"
    return UnitName("\\x2e" + name[1:] if name.startswith(".") else name)


@dataclass(frozen=True)
class Units:
    """The rendered units: ``{file name: text}``."""

    files: dict[str, str]

    def write(self, directory: Path) -> list[Path]:
        """Write each unit (0644: systemd and admins read them; they hold no secret)."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files.items():
            write_private(directory / name, text, mode=0o644)
            written.append(directory / name)
        return written


def _voco_executable() -> str:
    found = shutil.which("voco") or str(Path(sys.executable).with_name("voco"))
    if not Path(found).is_absolute() or not Path(found).exists():
        raise ConfigError("cannot find the 'voco' executable to name in the units; run this "
                          "with the voco that the services should use")
    return found


def render_units(cfg: Config, user: str, with_api: bool,
                 asterisk_group: str = "asterisk") -> Units:
    """Every unit for this installation (the API's only when *with_api*)."""
    spool = cfg.asterisk.rec_spool_dir
    mount = UnitName(f"{escape_path(spool)}.mount")
    ctx = {"user": validate.name(user, "user"), "group": validate.name(asterisk_group, "group"),
           "voco": _voco_executable(), "config": str(cfg.path), "data_dir": str(cfg.data_dir),
           "spool": str(spool), "spool_mount": mount, "memory_max": MEMORY_MAX}
    names = {"voco-bridge.service": "voco-bridge.service.j2",
             mount: "spool.mount.j2",
             "voco-tls-renew.service": "voco-tls-renew.service.j2",
             "voco-tls-renew.timer": "voco-tls-renew.timer.j2"}
    if with_api:
        names["voco-api.service"] = "voco-api.service.j2"
    return Units({name: render(f"systemd/{tpl}", ctx) for name, tpl in names.items()})
