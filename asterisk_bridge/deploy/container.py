"""A container's first start: ``voco init`` (or join a cluster) with Debian's Asterisk layout.

Run by ``docker/entrypoint.sh`` before anything else, from the environment the image and the
compose files set. It does nothing once the config file exists, so a restarted container keeps
its keys and store. Secrets come from files (compose secrets), never from the environment:

- ``VOCO_DB_URL_FILE``: the database URL (PostgreSQL for a cluster; SQLite when unset);
- ``VOCO_JOIN_DIR``: a cluster node's shared files from the first node (``voco.toml``,
  ``master.key``, ``oplog-genesis.json``); the node joins instead of making a second master key.

``VOCO_NODE`` names the node (default: the host name); ``VOCO_TLS_HOSTS`` (comma-separated)
the names and addresses its certificate must carry.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from asterisk_bridge.config import Config, load_config, read_secret, write_config, write_secret
from asterisk_bridge.errors import ConfigError, VocoError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.services.init import initialise
from asterisk_bridge.tls.store import TlsStore, default_hosts

#: Debian's Asterisk package layout, as the image installs it.
DEBIAN_ASTERISK = {"ast_etc_dir": "/etc/asterisk", "ast_spool_dir": "/var/spool/asterisk",
                   "ast_log_dir": "/var/log/asterisk", "ast_lib_dir": "/var/lib/asterisk"}


def _node_settings(cfg: Config, env: Mapping[str, str]) -> Config:
    node = validate.name(env.get("VOCO_NODE") or socket.gethostname(), "VOCO_NODE")
    data = cfg.data_dir
    ast = dataclasses.replace(cfg.asterisk, node=node,
                              ami_secret_file=str(data / "ami.secret"),
                              ari_secret_file=str(data / "ari.secret"))
    for field, value in DEBIAN_ASTERISK.items():
        setattr(ast, field, value)
    return dataclasses.replace(cfg, asterisk=ast)


def _join(config_path: Path, data_dir: Path, join: Path) -> Config:
    """Take the first node's config, master key and log anchor; keep this node's own parts."""
    shared = load_config(join / "voco.toml")
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in ("master.key", "oplog-genesis.json"):
        source = join / name
        if not source.exists():
            raise ConfigError(f"{source} is missing: a joining node needs the first node's "
                              "master key and operation log anchor")
        write_private(data_dir / name, source.read_bytes())
    for name in ("ami.secret", "ari.secret"):
        write_secret(data_dir / name)
    return dataclasses.replace(shared, path=config_path, data_dir=data_dir,
                               master_key_file=data_dir / "master.key")


def first_start(env: Mapping[str, str]) -> Config | None:
    """Create (or join) the installation on first start; None when it already exists."""
    config_path = Path(env.get("VOCO_CONFIG", "/etc/voco/voco.toml"))
    if config_path.exists():
        return None
    data_dir = Path(env.get("VOCO_DATA_DIR", "/var/lib/voco"))
    db_file = env.get("VOCO_DB_URL_FILE")
    db_url = read_secret(db_file, "database URL") if db_file else None
    if env.get("VOCO_JOIN_DIR"):
        cfg = _join(config_path, data_dir, Path(env["VOCO_JOIN_DIR"]))
        if db_url:
            cfg = dataclasses.replace(cfg, db_url=db_url)
    else:
        cfg = initialise(config_path, data_dir, db_url)
    cfg = _node_settings(cfg, env)
    write_config(cfg)
    hosts = [h.strip() for h in env.get("VOCO_TLS_HOSTS", "").split(",") if h.strip()]
    store = TlsStore.of(cfg)
    if hosts or store.current() is None:
        store.create(hosts + default_hosts(cfg.asterisk.sip_bind))
    return cfg


def main() -> int:
    """Entry point for ``python -m asterisk_bridge.deploy.container``."""
    try:
        cfg = first_start(os.environ)
    except VocoError as err:
        print(f"voco first start: {err}", file=sys.stderr)
        return int(err.exit_code)
    print("voco: installation exists" if cfg is None else
          f"voco: initialised node {cfg.asterisk.node} in {cfg.data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
