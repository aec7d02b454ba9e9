"""Shared fixtures: a Voco installation, real sandbox Asterisk instances, real PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from asterisk_bridge.context import App
from asterisk_bridge.sandbox import rootfs
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from cli.main import voco

PG_ADMIN = os.environ.get("VOCO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def asterisk_root() -> Path:
    """The cached Debian sid root with Asterisk 22 (built on first use)."""
    return rootfs.ensure_root()


@pytest.fixture
def asterisk(asterisk_root: Path) -> Iterator[Instance]:
    """A fresh, isolated, fully booted Asterisk; destroyed after the test."""
    inst = Instance(f"t{uuid.uuid4().hex[:10]}", asterisk_root)
    inst.start()
    yield inst
    inst.destroy()


@pytest.fixture
def umask_000() -> Iterator[None]:
    """Run the test with umask 000, where only an explicit mode keeps a file private."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the machine's server; dropped after the test."""
    name = f"voco_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test on both supported stores."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def ram_spool() -> Iterator[Path]:
    """A spool directory on /dev/shm (tmpfs)."""
    path = Path("/dev/shm") / f"voco-test-{uuid.uuid4().hex[:10]}"
    path.mkdir(mode=0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """Where the test's Voco config file lives."""
    return tmp_path / "etc" / "voco.toml"


@pytest.fixture
def app(config_path: Path, tmp_path: Path) -> App:
    """An initialised Voco installation on SQLite."""
    return App(initialise(config_path, tmp_path / "data", None))


@pytest.fixture
def run_cli(config_path: Path) -> CliCall:
    """Invoke ``voco --config <test config> ...`` in-process."""
    return CliCall(config_path)


class CliCall:
    """Calls the CLI against one config file and returns click's Result."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(voco, ["--config", str(self.config_path), *args], input=input)
