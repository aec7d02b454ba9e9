"""Build (once) and check the Debian sid root that holds Asterisk 22.

Debian stable has no Asterisk; sid has 22.x. The root is built with mmdebstrap into a cache
directory outside the checkout and reused; it is rebuilt when missing or broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from asterisk_bridge.errors import SandboxError

ROOT_ENV = "VOCO_ASTERISK_ROOT"
MARKER = ".voco-root-ok"
PACKAGES = "asterisk,asterisk-modules,sox"
MIRROR = "http://deb.debian.org/debian"


def default_root() -> Path:
    """``$VOCO_ASTERISK_ROOT``, else ``$XDG_CACHE_HOME/voco/asterisk-sid`` (``~/.cache/...``)."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (cache / "voco" / "asterisk-sid").resolve()


def asterisk_version(root: Path) -> str | None:
    """The version the root's Asterisk reports, or None if the root cannot run it."""
    if not (root / MARKER).is_file() or not (root / "usr/sbin/asterisk").is_file():
        return None
    try:
        out = subprocess.run(["chroot", str(root), "/usr/sbin/asterisk", "-V"],
                             capture_output=True, text=True, timeout=30, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    return out.stdout.strip() or None


def ensure_root(root: Path | None = None, rebuild: bool = False) -> Path:
    """Return a working root, building it with mmdebstrap if missing, broken or ``rebuild``."""
    root = root or default_root()
    if not rebuild and asterisk_version(root):
        return root
    if shutil.which("mmdebstrap") is None:
        raise SandboxError("mmdebstrap is not installed: run 'apt-get install mmdebstrap'")
    root.parent.mkdir(parents=True, exist_ok=True)
    building = root.with_name(root.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    cmd = ["mmdebstrap", "--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"",
           f"--include={PACKAGES}", "sid", str(building), MIRROR]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise SandboxError(f"mmdebstrap failed building the Asterisk root:\n{tail}")
    (building / MARKER).write_text("built by voco sandbox build\n")
    if root.exists():
        _unmount_below(root)
        shutil.rmtree(root)
    building.rename(root)
    if not asterisk_version(root):
        raise SandboxError(f"the freshly built root {root} cannot run Asterisk")
    return root


def ensure_mounts(root: Path) -> None:
    """Mount /proc in the root (Asterisk needs it); shared by every instance, left mounted."""
    proc = root / "proc"
    if not os.path.ismount(proc):
        subprocess.run(["mount", "-t", "proc", "proc", str(proc)], check=True)


def _unmount_below(root: Path) -> None:
    with open("/proc/mounts", encoding="utf-8") as fh:
        points = [line.split()[1] for line in fh]
    for point in sorted((p for p in points if p.startswith(str(root) + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)
