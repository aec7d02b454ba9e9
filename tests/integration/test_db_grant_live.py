"""The database grant against a PostgreSQL cluster the test owns (initdb on a free port), so
pg_hba.conf is really enforced: the permitted address reads the CDR view with the password;
another loopback address (127.0.0.2) is refused; the role reads no other table; revoking ends
its live session, drops the role and the view, and takes its lines out of pg_hba.conf."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.store.models import Base
from tests.conftest import CliCall
from tests.integration.cdr_support import ThrowawayPostgres
from tests.unit.cli_support import ok

pytestmark = pytest.mark.postgres
DATA = Path(__file__).parents[1] / "unit" / "data"


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    yield pg
    pg.destroy()


def _relay_from(source: str, port: int) -> int:
    """A loopback port whose connections reach the server from *source* (libpq cannot choose
    its source address): returns the port to connect to."""
    listener = socket.create_server(("127.0.0.1", 0))

    def pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)

    def serve() -> None:
        while True:
            client, _ = listener.accept()
            upstream = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def test_the_database_grant_is_enforced_by_postgresql(cluster: ThrowawayPostgres,
                                                      run_cli: CliCall, config_path: Path,
                                                      tmp_path: Path) -> None:
    ok(run_cli, "init", "--data-dir", str(tmp_path / "data"), "--db", cluster.url)
    app = App.open(config_path)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/voco") as admin:
        assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'voco_grant%'"
                             ).fetchone() == (0,)  # closed after 'voco init'
    insert_rows(app.engine, csvsource.read_records(DATA / "cdr_no_answer.csv", "node1").rows,
                CdrSealer(app.master_key))
    out = ok(run_cli, "db-grant", "add", "reports", "--party", "BI team", "--permit",
             "127.0.0.1")
    role = "voco_grant_reports"
    assert f"grant 1: role {role} on database voco" in out
    assert "pg_hba.conf updated and reloaded" in out
    password = re.search(r"password \(shown once\): (\S+)", out).group(1)  # type: ignore[union-attr]
    hba = (cluster.data / "pg_hba.conf").read_text()
    assert hba.startswith(f"# voco db-grant {role} begin\n")

    live = cluster.connect_as(role, password)
    assert live.execute("SELECT count(*) FROM voco_grant_cdr").fetchone()[0] > 0
    for table in Base.metadata.tables:  # every table Voco has: CDRs, keys, recordings, log...
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            live.execute(f"SELECT * FROM {table} LIMIT 1")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        live.execute("CREATE TABLE mine (x int)")
    with pytest.raises(psycopg.OperationalError, match=r"pg_hba\.conf rejects"):
        cluster.connect_as(role, password, _relay_from("127.0.0.2", cluster.port))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        cluster.connect_as(role, "not-the-password")

    revoked = ok(run_cli, "grants", "revoke", "1", "--reason", "done")
    assert "1 session(s) ended" in revoked and "pg_hba.conf block removed" in revoked
    with pytest.raises(psycopg.OperationalError):
        live.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):
        cluster.connect_as(role, password)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/voco") as admin:
        assert admin.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                             (role,)).fetchone() == (0,)
        assert admin.execute("SELECT to_regclass('voco_grant_cdr')").fetchone() == (None,)
    assert role not in (cluster.data / "pg_hba.conf").read_text()
