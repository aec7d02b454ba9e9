"""``voco init``: config file, data directory, a migrated database, the master key, the node's
TLS certificate from its own private CA (phones talk TLS by default, like SSH host keys made at
install) and the operation log's genesis (entry 1 is the init itself).

A second run never destroys anything: an existing config file is refused with a message that
says how to proceed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from asterisk_bridge import oplog
from asterisk_bridge.config import AsteriskSettings, Config, write_config, write_secret
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.masterkey import create_master_key, load_master_key
from asterisk_bridge.store import migrate
from asterisk_bridge.store.engine import make_engine
from asterisk_bridge.tls.store import TlsStore, default_hosts


def _own_credentials(data_dir: Path) -> AsteriskSettings:
    """Fresh AMI and ARI secrets for the bridge's Asterisk users; 'voco apply' renders the AMI
    user into manager.conf, so a new installation needs no hand-written credentials."""
    for name in ("ami.secret", "ari.secret"):
        write_secret(data_dir / name)
    return AsteriskSettings(ami_secret_file=str(data_dir / "ami.secret"),
                            ari_secret_file=str(data_dir / "ari.secret"))


def initialise(config_path: Path, data_dir: Path, db_url: str | None,
               asterisk: AsteriskSettings | None = None) -> Config:
    """Create everything; refuse if the config file or the master key already exists."""
    if config_path.exists():
        raise ConfigError(
            f"{config_path} already exists; nothing changed. Use 'voco db upgrade' to migrate "
            "the database, or pass another --config to create a new installation"
        )
    data_dir = data_dir.resolve()
    key_path = data_dir / "master.key"
    if key_path.exists():
        raise ConfigError(
            f"{key_path} already exists; nothing changed. Reuse it by writing a config file that "
            "points at it, or choose another --data-dir"
        )
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    url = db_url or f"sqlite:///{data_dir / 'voco.db'}"
    cfg = Config(path=config_path, data_dir=data_dir, db_url=url, master_key_file=key_path,
                 asterisk=asterisk or _own_credentials(data_dir))
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        create_master_key(key_path)
        tls = TlsStore.of(cfg).create(default_hosts(cfg.asterisk.sip_bind))
        oplog.begin(engine, load_master_key(key_path), cfg.oplog_anchor, "init",
                    {"data_dir": str(data_dir), "db": engine.dialect.name,
                     "tls_sha256": tls.summary.sha256})
        engine.dispose()
    except Exception:
        if created:  # a failed init leaves nothing behind
            shutil.rmtree(data_dir, ignore_errors=True)
        raise
    write_config(cfg)
    return cfg
