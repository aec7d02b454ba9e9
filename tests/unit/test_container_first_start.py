"""A container's first start: init once, or join a cluster with the first node's key."""

from __future__ import annotations

from pathlib import Path

from asterisk_bridge.config import load_config
from asterisk_bridge.deploy.container import first_start
from asterisk_bridge.tls.store import TlsStore


def test_first_start_inits_once_with_debian_layout(tmp_path: Path) -> None:
    env = {"VOCO_CONFIG": str(tmp_path / "etc/voco.toml"), "VOCO_DATA_DIR": str(tmp_path / "d"),
           "VOCO_NODE": "node7", "VOCO_TLS_HOSTS": "pbx.example.net, 192.0.2.7"}
    cfg = first_start(env)
    assert cfg is not None and first_start(env) is None  # a restart changes nothing
    again = load_config(Path(env["VOCO_CONFIG"]))
    assert (again.asterisk.node, again.asterisk.ast_etc_dir) == ("node7", "/etc/asterisk")
    assert Path(again.asterisk.ami_secret_file).exists()
    names = TlsStore.of(again).require().summary.names
    assert {"pbx.example.net", "192.0.2.7", "127.0.0.1"} <= set(names)


def test_a_node_joins_with_the_first_nodes_key_and_its_own_name(tmp_path: Path) -> None:
    first = first_start({"VOCO_CONFIG": str(tmp_path / "a/voco.toml"),
                         "VOCO_DATA_DIR": str(tmp_path / "a/data"), "VOCO_NODE": "node1"})
    assert first is not None
    join = tmp_path / "join"
    join.mkdir()
    for src, name in ((first.path, "voco.toml"), (first.master_key_file, "master.key"),
                      (first.oplog_anchor, "oplog-genesis.json")):
        (join / name).write_bytes(src.read_bytes())
    (tmp_path / "db_url").write_text(first.db_url + "\n")
    second = first_start({"VOCO_CONFIG": str(tmp_path / "b/voco.toml"),
                          "VOCO_DATA_DIR": str(tmp_path / "b/data"), "VOCO_NODE": "node2",
                          "VOCO_JOIN_DIR": str(join),
                          "VOCO_DB_URL_FILE": str(tmp_path / "db_url")})
    assert second is not None and second.asterisk.node == "node2"
    assert second.db_url == first.db_url
    assert second.master_key_file.read_bytes() == first.master_key_file.read_bytes()
    assert second.master_key_file.stat().st_mode & 0o777 == 0o600
    assert second.data_dir == tmp_path / "b/data"
