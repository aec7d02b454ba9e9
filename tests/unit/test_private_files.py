"""Files holding personal data are private from their creation, and 'voco check' and the
bridge's start report any that are not."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from asterisk_bridge.bridge.runner import serve
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.store import migrate
from asterisk_bridge.store.engine import make_engine
from tests.conftest import CliCall


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _with_sidecars(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def test_sqlite_store_and_its_wal_and_shm_are_0600(tmp_path: Path, umask_000: None) -> None:
    db = tmp_path / "voco.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine)
    with engine.connect() as conn:  # an open connection keeps -wal and -shm in place
        conn.execute(text("SELECT count(*) FROM oplog")).scalar()
        for path in _with_sidecars(db):
            assert path.exists() and _mode(path) == 0o600, path
    engine.dispose()


def test_cdr_journal_and_its_wal_and_shm_are_0600(tmp_path: Path, umask_000: None) -> None:
    journal = Journal(tmp_path / "cdr-journal.db", bytes(range(32)))
    journal.append([{"uniqueid": "1.1", "sequence": 1}])
    for path in _with_sidecars(journal.path):
        assert path.exists() and _mode(path) == 0o600, path
    journal.close()


def test_check_reports_loose_files_with_the_fix(run_cli: CliCall, config_path: Path,
                                                umask_000: None) -> None:
    assert run_cli("init").exit_code == 0
    ok = run_cli("check")
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("private: ")
    data = config_path.parent / "data"
    os.chmod(data / "voco.db", 0o644)
    (data / "stray-export.csv").write_text("1001,1002\n")  # umask 000: 0666
    bad = run_cli("check")
    assert bad.exit_code == 1
    lines = bad.output.strip().splitlines()
    assert f"loose: {data / 'voco.db'} is 0644" in lines[0] or \
        f"loose: {data / 'voco.db'} is 0644" in lines[1]
    assert f"run 'chmod go-rwx {data / 'stray-export.csv'}'" in bad.output
    assert len(lines) == 2


def test_bridge_refuses_to_start_on_loose_voco_files(app: App, caplog: pytest.LogCaptureFixture
                                                     ) -> None:
    db = app.config.data_dir / "voco.db"
    os.chmod(db, 0o640)
    with caplog.at_level(logging.WARNING), pytest.raises(VocoError) as err:
        asyncio.run(serve(app))
    assert "readable by other users" in str(err.value) and "did not start" in str(err.value)
    assert f"chmod go-rwx {db}" in str(err.value)
    assert any(r.getMessage() == "file.loose" for r in caplog.records)
    assert not (app.config.data_dir / "bridge.lock").exists()  # it stopped before anything
