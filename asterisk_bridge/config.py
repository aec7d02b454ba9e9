"""Voco's configuration file: where it is, what it holds, and how it is read.

The file is TOML so a sysadmin can read and edit it. Secrets never live in it: the master key is a
separate 0600 file, and AMI/ARI secrets are generated into files that only root can read.
"""

from __future__ import annotations

import os
import secrets
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from asterisk_bridge.errors import ConfigError
from asterisk_bridge.safewrite import write_private

DEFAULT_CONFIG_PATH = Path("/etc/voco/voco.toml")
CONFIG_ENV = "VOCO_CONFIG"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config path: ``--config`` wins, then ``$VOCO_CONFIG``, then the system default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_CONFIG_PATH


@dataclass
class AsteriskSettings:
    """How the bridge reaches Asterisk (AMI and ARI), and which node it speaks for."""

    node: str = "node1"
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "voco"
    ami_secret_file: str = ""
    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "voco"
    ari_secret_file: str = ""
    ari_app: str = "voco"
    ast_root: str = ""  # set when Asterisk runs chrooted (the sandbox): its "/" on this host
    ast_etc_dir: str = ""
    ast_spool_dir: str = ""
    ast_log_dir: str = ""
    ast_lib_dir: str = ""  # ASTVARLIBDIR: where uploaded prompts are installed
    sip_bind: str = "0.0.0.0"  # where 'voco apply' makes PJSIP listen (UDP and TLS)
    sip_port: int = 5060
    sip_tls_port: int = 5061
    https_port: int = 8089  # Asterisk's HTTPS server: WebRTC's secure websocket, ARI off loopback
    ami_tls_port: int = 5039  # AMI over TLS, when ami_host is not a loopback address
    sandbox: bool = False  # render the sandbox test phones into the dialplan
    ram_log_dir: str = ""  # a RAM-backed (tmpfs) directory Asterisk can write: 'voco debug'
    # 'voco capture': the interface dumpcap listens on, and the RTP ports of rtp.conf
    capture_interface: str = "any"
    rtp_start: int = 10000
    rtp_end: int = 20000

    @property
    def event_secret_file(self) -> Path:
        """The key that signs Voco's dialplan events (:mod:`~asterisk_bridge.bridge.eventmac`):
        beside the AMI secret, where this node's other Asterisk secrets live."""
        if not self.ami_secret_file:
            raise ConfigError("no AMI secret file is configured ([asterisk] in the config file)")
        return Path(self.ami_secret_file).with_name("event.secret")

    @property
    def rec_spool_dir(self) -> Path:
        """The RAM-backed directory MixMonitor writes plaintext into (host path)."""
        return Path(self.ast_spool_dir or "/var/spool/asterisk") / "monitor"

    def as_seen_by_asterisk(self, host_path: Path) -> str:
        """A host path as Asterisk names it (inside its chroot, when it has one)."""
        if not self.ast_root:
            return str(host_path)
        return "/" + str(host_path.relative_to(self.ast_root))


def read_secret(path: str, what: str) -> str:
    """Read a secret from its own file; the message names the file, never the secret."""
    if not path:
        raise ConfigError(f"no {what} secret file is configured ([asterisk] in the config file)")
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"{what} secret file {path} not found") from None
    except PermissionError:
        raise ConfigError(f"{what} secret file {path} is not readable by this user") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} secret file {path}: {exc}") from None
    if not secret:
        raise ConfigError(f"{what} secret file {path} is empty")
    return secret


def write_secret(path: Path, value: str | None = None) -> str:
    """Write a secret (a new random one by default) to its own 0600 file; return it."""
    secret = value or secrets.token_urlsafe(24)
    write_private(path, secret)
    return secret


@dataclass
class PrivacySettings:
    """How personal data is recognised: external numbers are normalised to E.164 with
    ``default_region`` (an ISO 3166 code such as ``GB``) when they are dialled in national form;
    empty means only numbers written with a leading ``+`` are normalised."""

    default_region: str = ""


@dataclass
class ApiSettings:
    """The REST API for third parties: off until 'voco api enable'; on loopback unless bound
    elsewhere, and then only with TLS (a certificate and key file)."""

    enabled: bool = False
    bind: str = "127.0.0.1"
    port: int = 8380
    tls_cert: str = ""
    tls_key: str = ""


@dataclass
class NotificationSettings:
    """How events become notifications (docs/notifications.md): storms are gathered for
    ``window_s`` and then sent as one message, at most one per ``interval_s`` per kind and key;
    ``auth_threshold`` failures from one address within ``auth_period_s`` raise
    ``auth_failures``; a link down ``link_down_s`` or longer raises ``link_down``; the data disk
    and the RAM spool past their ``*_percent`` raise ``disk_full`` / ``spool_full``. Calls ring
    the extension's channel or the number's (``{extension}``/``{number}`` filled in) for
    ``ring_s`` seconds, ``call_attempts`` times in all, ``call_pause_s`` apart."""

    window_s: float = 30.0
    interval_s: float = 600.0
    auth_threshold: int = 5
    auth_period_s: float = 60.0
    link_down_s: float = 30.0
    disk_full_percent: int = 90
    spool_full_percent: int = 80
    extension_channel: str = "PJSIP/{extension}"
    number_channel: str = ""
    ring_s: int = 30
    call_attempts: int = 3
    call_pause_s: float = 60.0


@dataclass
class Config:
    """The parsed configuration file."""

    path: Path
    data_dir: Path
    db_url: str
    master_key_file: Path
    asterisk: AsteriskSettings = field(default_factory=AsteriskSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)

    @property
    def oplog_anchor(self) -> Path:
        """The operation log's genesis anchor, beside the master key."""
        return self.master_key_file.with_name("oplog-genesis.json")

    @property
    def status_file(self) -> Path:
        """Where a running bridge publishes its connection state for ``voco bridge status``."""
        return self.data_dir / "bridge-status.json"

    def to_toml(self) -> str:
        """Serialise for writing; paths become strings."""
        doc = {
            "data_dir": str(self.data_dir),
            "db_url": self.db_url,
            "master_key_file": str(self.master_key_file),
            "asterisk": {k: v for k, v in vars(self.asterisk).items()},
            "privacy": {k: v for k, v in vars(self.privacy).items()},
            "api": {k: v for k, v in vars(self.api).items()},
            "notifications": dict(vars(self.notifications)),
        }
        return tomli_w.dumps(doc)


def load_config(path: Path) -> Config:
    """Read and validate the config file, raising ConfigError with the path in the message."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found: run voco --config {shlex.quote(str(path))} init "
            f"to create it, or point --config / ${CONFIG_ENV} at an existing one"
        ) from None
    except PermissionError:
        raise ConfigError(f"config file {path} is not readable by this user") from None
    except IsADirectoryError:
        raise ConfigError(f"config path {path} is a directory, not a file") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        ast = _section(doc, "asterisk", AsteriskSettings, path)
        privacy = _section(doc, "privacy", PrivacySettings, path)
        api = _section(doc, "api", ApiSettings, path)
        notifications = _section(doc, "notifications", NotificationSettings, path)
        return Config(
            path=path,
            data_dir=Path(doc["data_dir"]),
            db_url=str(doc["db_url"]),
            master_key_file=Path(doc["master_key_file"]),
            asterisk=AsteriskSettings(**ast),
            privacy=PrivacySettings(**privacy),
            api=ApiSettings(**api),
            notifications=NotificationSettings(**notifications),
        )
    except KeyError as exc:
        raise ConfigError(f"config file {path} lacks the required key {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ConfigError(f"config file {path} has a value of the wrong type: {exc}") from None


def _section(doc: dict[str, Any], name: str, settings: type, path: Path) -> dict[str, Any]:
    """The ``[name]`` table, refusing keys the settings class does not know."""
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: [{name}] must be a table")
    unknown = set(table) - set(vars(settings()))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}"
        )
    return table


def write_config(cfg: Config) -> None:
    """Write atomically with mode 0600, so a half-written file is never read."""
    cfg.path.parent.mkdir(parents=True, exist_ok=True)
    write_private(cfg.path, cfg.to_toml())
