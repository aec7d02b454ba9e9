"""One isolated Asterisk 22 instance inside the sandbox root.

Each instance has its own directories under ``<root>/srv/voco/<name>``, its own AMI, HTTP and RTP
ports on loopback, and its own generated secrets, so tests can run several at once. Recordings and
voicemail are spooled into tmpfs mounted over the instance's monitor and voicemail directories:
plaintext audio never touches persistent disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from asterisk_bridge.config import AsteriskSettings, write_secret
from asterisk_bridge.errors import SandboxError
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.generator.render import render_set
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.sandbox import modules, ports, rootfs

SYSTEM_FILES = {
    "asterisk.conf": "asterisk.conf.j2",
    "modules.conf": "modules.conf.j2",
    "rtp.conf": "rtp.conf.j2",
}
SENTINEL = "voco-sentinel-1"
BOOT_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
SPOOL_TMPFS_SIZE = "512m"
#: Asterisk creates voicemail, recordings and CDR files with mode 0666 minus its umask (it has
#: no setting of its own for it): 027 makes them 0640 and its directories 0750.
ASTERISK_UMASK = 0o027
DIR_MODE = 0o750


@dataclass
class InstanceInfo:
    """What a client needs to reach an instance; saved as ``instance.json`` (mode 0600)."""

    name: str
    root: str
    ami_port: int
    http_port: int
    sip_port: int
    rtp_start: int
    rtp_end: int
    ami_user: str
    ami_secret: str
    ari_user: str
    ari_secret: str
    pid: int = 0
    tls_port: int = 0  # SIP over TLS (TCP), and Asterisk's HTTPS server (WSS for WebRTC)
    https_port: int = 0

    @property
    def ari_url(self) -> str:
        """Base URL of the instance's HTTP server (ARI lives under /ari)."""
        return f"http://127.0.0.1:{self.http_port}"


class Instance:
    """Start, stop and inspect one sandbox Asterisk."""

    def __init__(self, name: str, root: Path | None = None) -> None:
        if not name.replace("-", "").replace("_", "").isalnum():
            raise SandboxError(f"instance name {name!r} may hold only letters, digits, - and _")
        self.name = name
        self.root = root or rootfs.default_root()
        self.inner = Path("/srv/voco") / name  # the instance's base as Asterisk sees it
        self.base = self.root / self.inner.relative_to("/")  # the same, seen from the host

    # --- paths -------------------------------------------------------------------------------
    def host_path(self, inner: str | Path) -> Path:
        """Translate a path Asterisk reports (inside the chroot) into a host path."""
        return self.root / Path(inner).relative_to("/")

    @property
    def etc_dir(self) -> Path:
        """Host path of the instance's configuration directory."""
        return self.base / "etc"

    @property
    def spool_dir(self) -> Path:
        """Host path of the instance's spool (monitor/ inside is RAM-backed)."""
        return self.base / "spool"

    @property
    def log_dir(self) -> Path:
        """Host path of the instance's log directory (cdr-csv, messages.log)."""
        return self.base / "log"

    @property
    def ram_log_dir(self) -> Path:
        """Host path of the instance's RAM-backed log directory (``voco debug``'s full log)."""
        return self.base / "ramlog"

    @property
    def _info_path(self) -> Path:
        return self.base / "instance.json"

    # --- state -------------------------------------------------------------------------------
    def info(self) -> InstanceInfo:
        """The saved connection details; SandboxError if the instance was never created."""
        try:
            return InstanceInfo(**json.loads(self._info_path.read_text()))
        except FileNotFoundError:
            raise SandboxError(f"sandbox instance {self.name!r} does not exist") from None

    def _save(self, info: InstanceInfo) -> None:
        write_private(self._info_path, json.dumps(asdict(info), indent=2))

    def is_running(self) -> bool:
        """Whether the saved pid is a live Asterisk."""
        try:
            pid = self.info().pid
        except SandboxError:
            return False
        if pid <= 0:
            return False
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
                stat = fh.read()
        except OSError:
            return False
        # "pid (comm) state ...": a zombie (Z) has exited and only awaits its parent's wait().
        return "(asterisk)" in stat and stat.rsplit(")", 1)[1].split()[0] != "Z"

    # --- configuration -----------------------------------------------------------------------
    def create(self) -> InstanceInfo:
        """Allocate ports and secrets and lay out directories (idempotent)."""
        try:
            return self.info()
        except SandboxError:
            pass
        for sub in ("etc", "lib", "spool/monitor", "spool/voicemail", "spool/recording", "run",
                    "log/cdr-csv", "cache"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
            for made in (self.base / sub, (self.base / sub).parent):
                os.chmod(made, DIR_MODE)
        os.chmod(self.base, 0o700)
        rtp_start, rtp_end = ports.rtp_range()
        info = InstanceInfo(
            name=self.name, root=str(self.root), ami_port=ports.free_tcp_port(),
            http_port=ports.free_tcp_port(), sip_port=ports.free_udp_port(),
            rtp_start=rtp_start, rtp_end=rtp_end, ami_user="voco",
            ami_secret=secrets.token_urlsafe(24), ari_user="voco",
            ari_secret=secrets.token_urlsafe(24), tls_port=ports.free_tcp_port(),
            https_port=ports.free_tcp_port(),
        )
        self._save(info)
        write_secret(self.base / "ami.secret", info.ami_secret)
        write_secret(self.base / "ari.secret", info.ari_secret)
        return info

    def settings(self, node: str = "node1") -> AsteriskSettings:
        """Bridge settings that point at this instance (secrets by file, never inline)."""
        info = self.info()
        return AsteriskSettings(
            node=node, ami_host="127.0.0.1", ami_port=info.ami_port, ami_user=info.ami_user,
            ami_secret_file=str(self.base / "ami.secret"), ari_url=info.ari_url,
            ari_user=info.ari_user, ari_secret_file=str(self.base / "ari.secret"),
            ast_root=str(self.root), ast_etc_dir=str(self.etc_dir),
            ast_spool_dir=str(self.spool_dir), ast_log_dir=str(self.log_dir),
            ast_lib_dir=str(self.base / "lib"), sip_bind="127.0.0.1", sip_port=info.sip_port,
            sip_tls_port=info.tls_port or 5061, https_port=info.https_port or 8089,
            sandbox=True, ram_log_dir=str(self.ram_log_dir), capture_interface="lo",
            rtp_start=info.rtp_start, rtp_end=info.rtp_end,
        )

    def node_context(self, sentinel: str = SENTINEL) -> dict[str, Any]:
        """The per-node template variables the PBX files need (SIP port, sentinel, phones)."""
        return node_context(self.settings(), sentinel)

    def system_context(self, info: InstanceInfo) -> dict[str, Any]:
        """Template context for the files that make this an isolated instance."""
        inner = self.inner
        return {
            "dirs": {"etc": inner / "etc", "lib": inner / "lib", "spool": inner / "spool",
                     "run": inner / "run", "log": inner / "log", "cache": inner / "cache",
                     "modules": "/usr/lib/x86_64-linux-gnu/asterisk/modules"},
            "modules": modules.ALL,
            "rtp": {"start": info.rtp_start, "end": info.rtp_end},
        }

    def write_files(self, files: Mapping[str, str]) -> None:
        """Write configuration files into the instance's etc directory, atomically each."""
        for name, text in files.items():
            if "/" in name or name.startswith("."):
                raise SandboxError(f"refusing to write config file with path {name!r}")
            write_private(self.etc_dir / name, text)

    def configure(self, pbx_files: Mapping[str, str] | None = None) -> InstanceInfo:
        """Render the system files, plus ``pbx_files`` or, by default, an empty PBX with phones."""
        info = self.create()
        files = render_set(SYSTEM_FILES, self.system_context(info))
        if pbx_files is None:
            pbx_files = render_pbx(None, self.node_context())
        asterisk_conf = files.pop("asterisk.conf")
        write_private(self.base / "asterisk.conf", asterisk_conf)
        self.write_files({**files, **pbx_files})
        return info

    # --- lifecycle ---------------------------------------------------------------------------
    def _ram_dirs(self) -> tuple[Path, ...]:
        """Directories that hold plaintext personal data and so live in RAM: the recording
        and voicemail spools and the full log of 'voco debug'."""
        return self.spool_dir / "monitor", self.spool_dir / "voicemail", self.ram_log_dir

    def _mount_spool(self) -> None:
        for ram in self._ram_dirs():
            ram.mkdir(mode=DIR_MODE, exist_ok=True)
            if not os.path.ismount(ram):
                subprocess.run(["mount", "-t", "tmpfs", "-o",
                                f"size={SPOOL_TMPFS_SIZE},mode=0700", "tmpfs", str(ram)],
                               check=True)

    def rx(self, command: str, timeout: float = 15.0) -> str:
        """Run an Asterisk CLI command through the instance's control socket."""
        proc = subprocess.run(
            ["chroot", str(self.root), "/usr/sbin/asterisk", "-C",
             str(self.inner / "asterisk.conf"), "-rx", command],
            capture_output=True, text=True, timeout=timeout,
        )
        if proc.returncode != 0:
            raise SandboxError(f"asterisk -rx {command!r} failed: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, pbx_files: Mapping[str, str] | None = None) -> InstanceInfo:
        """Configure, start, and wait until Asterisk is fully booted."""
        if self.is_running():
            return self.info()
        rootfs.ensure_mounts(self.root)
        info = self.configure(pbx_files)
        self._mount_spool()
        log = open(self.log_dir / "console.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            ["chroot", str(self.root), "/usr/sbin/asterisk", "-C",
             str(self.inner / "asterisk.conf"), "-f", "-n"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, umask=ASTERISK_UMASK,
        )
        log.close()
        info.pid = proc.pid
        self._save(info)
        self.wait_booted(proc)
        return info

    def wait_booted(self, proc: subprocess.Popen[bytes] | None = None,
                    timeout: float = BOOT_TIMEOUT_S) -> None:
        """Poll ``core waitfullybooted`` until it answers; SandboxError on timeout or exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise SandboxError(
                    f"Asterisk exited with {proc.returncode} while booting; see "
                    f"{self.log_dir / 'console.log'}"
                )
            try:
                if "fully booted" in self.rx("core waitfullybooted", timeout=5):
                    return
            except (SandboxError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.1)
        raise SandboxError(f"Asterisk did not finish booting within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop Asterisk cleanly (``core stop now``), killing it if it does not go."""
        if not self.is_running():
            return
        pid = self.info().pid
        try:
            self.rx("core stop now", timeout=5)
        except (SandboxError, subprocess.TimeoutExpired):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline and self.is_running():
            time.sleep(0.05)
        if self.is_running():
            os.killpg(pid, signal.SIGKILL)
        _reap(pid)

    def destroy(self) -> None:
        """Stop, unmount the RAM directories, and delete the instance's directories."""
        self.stop()
        for ram in self._ram_dirs():
            if os.path.ismount(ram):
                subprocess.run(["umount", str(ram)], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
