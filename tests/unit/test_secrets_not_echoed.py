"""A rejected secret never reaches the terminal or the operation log, in any field.

Validation errors used to quote the rejected value, and the operation log stored the error text
as the entry's message; a database URL that did not parse was printed with its password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from asterisk_bridge.context import App
from tests.conftest import CliCall

BAD_SECRET = "Leaked secret;value"  # a space and ';': refused by the SIP secret rule
SHORT_SECRET = "Leak3dSh0rt"  # 11 characters: one too few
BAD_PIN = "12ab34"
LONG_PIN = "9081726354019283"  # 16 digits: never turns up by chance in a hash or a timestamp


def _oplog_dump(app: App) -> str:
    with app.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM oplog")).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def _import_file(path: Path, secret: str, pin: str) -> str:
    path.write_text(f"""
[voco]
format = 1
secrets = true

[[extensions]]
number = "1001"
name = "Alice"
sip_secret = "{secret}"

[[conferences]]
name = "room"
number = "800"
pin = "{pin}"
""")
    return str(path)


CASES = {
    "trunk secret with forbidden characters": (
        ("trunk", "add", "carrier", "--host", "sip.example.net", "--username", "acct",
         "--register", "--secret-stdin"), BAD_SECRET + "\n", BAD_SECRET),
    "trunk secret too short": (
        ("trunk", "add", "carrier", "--host", "sip.example.net", "--username", "acct",
         "--register", "--secret-stdin"), SHORT_SECRET + "\n", SHORT_SECRET),
    "conference PIN with letters": (
        ("conference", "add", "room", "--number", "800", "--pin", BAD_PIN), None, BAD_PIN),
    "conference PIN too long": (
        ("conference", "add", "room", "--number", "800", "--pin", LONG_PIN), None, LONG_PIN),
    "imported SIP secret": (("config", "import", "{secret_file}"), None, BAD_SECRET),
    "imported PIN": (("config", "import", "{pin_file}"), None, BAD_PIN),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rejected_secret_leaves_no_trace(app: App, run_cli: CliCall, tmp_path: Path,
                                         case: str) -> None:
    args, stdin, secret = CASES[case]
    files = {"secret_file": _import_file(tmp_path / "secret.toml", BAD_SECRET, "1234"),
             "pin_file": _import_file(tmp_path / "pin.toml", "Valid-Secret-1234", BAD_PIN)}
    result = run_cli(*(a.format(**files) for a in args), input=stdin)
    assert result.exit_code == 2, result.output
    assert "not shown" in result.output
    assert secret not in result.output
    logged = _oplog_dump(app)
    assert "error" in logged  # the failure itself is logged ...
    assert secret not in logged  # ... without the secret
    assert secret.strip(";") not in logged


def test_scrubbed_from_any_logged_message(app: App) -> None:
    """Whatever produced the message, a secret argument's value is not stored in it."""
    app.record("conference set", {"name": "room", "pin": "24680"}, "error",
               "some library said: PIN 24680 rejected")
    logged = _oplog_dump(app)
    assert "24680" not in logged and "PIN *** rejected" in logged


@pytest.mark.parametrize("url", [
    "postgresql://voco:Sup3rS3cretPw@db.example:notaport/voco",
    "postgres ql://voco:Sup3rS3cretPw@db.example/voco",
    "voco:Sup3rS3cretPw@db.example/voco",
    "postgresql+nodriver://voco:Sup3rS3cretPw@db.example/voco",
    "postgresql+psycopg://voco:Sup3rS3cretPw@127.0.0.1:1/voco",
])
def test_bad_database_url_never_prints_its_password(run_cli: CliCall, url: str) -> None:
    result = run_cli("init", "--db", url)
    assert result.exit_code == 1
    assert "Sup3rS3cretPw" not in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
