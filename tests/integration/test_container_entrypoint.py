"""The container entrypoint, run for real in the sandbox's Debian sid root (no container engine
runs here): Asterisk comes up on Voco's configuration, the bridge connects, a call is stored.

The root is used through an overlay (its upper layer in the test's directory), so the shared
sandbox root is never changed; the entrypoint runs in its own network namespace, so Debian's
default ports (5038, 5060, 8088) collide with nothing. The environment is the image's (docker/
Dockerfile), except that Voco runs from this checkout's virtualenv, bind-mounted read-only at
the same path, instead of /opt/voco. What this does not exercise: building the image (apt and
pip inside it), the compose files, and Docker's own tmpfs/secret/healthcheck handling.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.polling import wait_for

pytestmark = pytest.mark.asterisk
REPO = Path(__file__).resolve().parents[2]
SPOOL = "/var/spool/asterisk/monitor"


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


class Container:
    """An overlay of the sandbox root with what the image adds, and the entrypoint running."""

    def __init__(self, root: Path, work: Path) -> None:
        self.merged = work / "merged"
        self.mounts: list[Path] = []
        for d in ("upper", "work", "merged"):
            (work / d).mkdir()
        self._mount_at(self.merged, "-t", "overlay", "overlay", "-o",
                       f"lowerdir={root},upperdir={work / 'upper'},workdir={work / 'work'}")
        self._mount_at(self.merged / "proc", "-t", "proc", "proc")
        self._mount_at(self.merged / "dev", "--bind", "/dev")
        self._mount_at(self.merged / SPOOL.lstrip("/"), "-t", "tmpfs", "-o", "mode=0750",
                       "tmpfs")
        for host in (Path(sys.base_prefix), REPO):  # the interpreter and this checkout's venv
            self._mount_at(self.merged / str(host).lstrip("/"), "--bind", str(host))
        bin_dir = self.merged / "usr/local/bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "docker" / "entrypoint.sh", bin_dir / "voco-entrypoint")
        venv = Path(sys.executable).parent
        self.env = {"VOCO_CONFIG": "/etc/voco/voco.toml", "VOCO_DATA_DIR": "/var/lib/voco",
                    "VOCO_PYTHON": str(venv / "python"), "VOCO_NODE": "node1",
                    "PATH": f"{venv}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
                            "/bin", "HOME": "/root", "LANG": "C.UTF-8"}
        self.log = work / "entrypoint.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                ["unshare", "--net", "--", "sh", "-c",
                 'ip link set lo up && exec chroot "$0" env -i "$@" /usr/local/bin/voco-entrypoint',
                 str(self.merged), *self._env_args()],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def _mount_at(self, target: Path, *args: str) -> None:
        target.mkdir(parents=True, exist_ok=True)
        _mount(*args, str(target))
        self.mounts.append(target)

    def _env_args(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.env.items()]

    def run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        """A command inside the container (its root and its network namespace)."""
        return subprocess.run(["nsenter", f"--net=/proc/{self.proc.pid}/ns/net", "chroot",
                               str(self.merged), "env", "-i", *self._env_args(), *cmd],
                              capture_output=True, text=True, timeout=120)

    def ok(self, *cmd: str) -> str:
        """Run; fail with its output and the entrypoint's log unless it succeeds."""
        done = self.run(*cmd)
        assert done.returncode == 0, f"{cmd}: {done.stdout}{done.stderr}\n{self.output()}"
        return done.stdout

    def output(self) -> str:
        """The entrypoint's own output so far."""
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> int | None:
        """SIGTERM the entrypoint (it stops the bridge and Asterisk), then unmount."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=30)
            return self.proc.returncode
        finally:
            subprocess.run(["pkill", "-TERM", "-s", str(self.proc.pid)], check=False)
            for target in reversed(self.mounts):
                subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def container(asterisk_root: Path, tmp_path: Path) -> Iterator[Container]:
    box = Container(asterisk_root, tmp_path)
    try:
        yield box
    finally:
        box.stop()


def _bridge_connected(box: Container) -> bool:
    done = box.run("voco", "bridge", "status", "--json")
    if done.returncode != 0:
        return False
    links = json.loads(done.stdout).get("links", {})
    return all(links.get(k, {}).get("state") == "connected" for k in ("ami", "ari"))


def test_entrypoint_boots_asterisk_on_voco_config_and_stores_a_call(
        container: Container) -> None:
    box = container
    wait_for(lambda: "fully booted" in box.run("asterisk", "-rx", "core waitfullybooted")
             .stdout, f"Asterisk fully booted: {box.output()}")
    wait_for(lambda: _bridge_connected(box), f"the bridge connected: {box.output()}")

    # Asterisk runs Voco's files, not Debian's stock ones.
    sentinel = json.loads(box.ok("voco", "apply", "--json"))["sentinel"]
    assert sentinel in box.ok("asterisk", "-rx", "dialplan show voco-sentinel")
    assert "transport-tls" in box.ok("asterisk", "-rx", "pjsip show transports")
    assert "voco" in box.ok("asterisk", "-rx", "manager show users")
    assert (box.merged / "var/lib/voco/master.key").stat().st_mode & 0o777 == 0o600

    # A call through Local channels: a room answers; the bridge stores its CDR.
    box.ok("voco", "conference", "add", "board", "--number", "7001")
    box.ok("voco", "apply")
    box.ok("asterisk", "-rx", "channel originate Local/7001@voco-internal application Wait 2")

    def stored() -> bool:
        rows = json.loads(box.ok("voco", "cdr", "list", "--json"))
        return any(r.get("dst") == "7001" and r.get("disposition") == "ANSWERED" for r in rows)

    wait_for(stored, f"the call's CDR in the store: {box.output()}")

    # The supervisor restarts a bridge that dies.
    (first,) = _bridge_pids(box)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: "restarting" in box.output(), "the supervisor noticing")
    wait_for(lambda: _bridge_pids(box) not in ([], [first]), "a new bridge")
    wait_for(lambda: _bridge_connected(box), f"the new bridge connected: {box.output()}")
    assert box.stop() == 0


def _bridge_pids(box: Container) -> list[int]:
    """Processes running 'voco bridge run' inside this container's root."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "root") == str(box.merged) and \
                    b"bridge\0run" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found
