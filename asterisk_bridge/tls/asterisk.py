"""Give Asterisk its copy of the node's certificate, inside its own configuration directory.

Asterisk may run chrooted (the sandbox) or as its own user, so it reads a copy under
``<ast_etc_dir>/keys``, owned like that directory, the key 0600 (this copy and the one
before it, which a rolled-back apply returns to). The file names carry the
certificate's fingerprint: a renewed certificate changes the rendered ``pjsip.conf`` and
``http.conf``, so ``voco apply`` reloads the transports that use it.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.tls.store import Current

PREFIX = "voco-"


@dataclass(frozen=True)
class AsteriskTls:
    """Where Asterisk finds the certificate and key (as it names them) and where they go."""

    cert: str
    key: str
    ca: str
    host_dir: Path
    stem: str

    def as_context(self) -> dict[str, str]:
        """Template variables: ``tls.cert``, ``tls.key``, ``tls.ca``."""
        return {"cert": self.cert, "key": self.key, "ca": self.ca}


def locate(current: Current, settings: AsteriskSettings) -> AsteriskTls:
    """Where *current* goes for this node's Asterisk; touches nothing."""
    host_dir = Path(settings.ast_etc_dir or "/etc/asterisk") / "keys"  # Asterisk's default
    stem = f"{PREFIX}{current.summary.sha256[:12]}"
    seen = settings.as_seen_by_asterisk(host_dir)
    return AsteriskTls(f"{seen}/{stem}.crt", f"{seen}/{stem}.key", f"{seen}/{stem}-ca.crt",
                       host_dir, stem)


def install(current: Current, where: AsteriskTls) -> None:
    """Copy certificate chain and key into Asterisk's keys directory; drop older copies."""
    etc = where.host_dir.parent
    where.host_dir.mkdir(mode=0o750, exist_ok=True)
    st = etc.stat()
    files = {f"{where.stem}.crt": (current.cert.read_bytes(), 0o640),
             f"{where.stem}.key": (current.key.read_bytes(), 0o600),
             f"{where.stem}-ca.crt": ((current.ca or current.cert).read_bytes(), 0o640)}
    for name, (data, mode) in files.items():
        target = where.host_dir / name
        write_private(target, data, mode=mode)
        _own_like(target, st)
    _own_like(where.host_dir, st)
    # Keep the previous copy too: a rolled-back apply returns to files that name it.
    stems = sorted({p.name.split(".")[0].removesuffix("-ca") for p in
                    where.host_dir.glob(f"{PREFIX}*")},
                   key=lambda s: (where.host_dir / f"{s}.crt").stat().st_mtime
                   if (where.host_dir / f"{s}.crt").exists() else 0)
    for stale in stems[:-2]:
        for old in where.host_dir.glob(f"{stale}*"):
            old.unlink(missing_ok=True)


def _own_like(path: Path, st: os.stat_result) -> None:
    """Asterisk's user owns its configuration directory; let it read its key too."""
    if os.geteuid() == 0 and (path.stat().st_uid, path.stat().st_gid) != (st.st_uid, st.st_gid):
        with contextlib.suppress(OSError):
            os.chown(path, st.st_uid, st.st_gid)
