"""An idle bridge on a SQLite store stays small: what only a rare path needs (rendering
logger.conf, database grants on PostgreSQL, capture export, the first e-mail, the first external
number) and what only a PostgreSQL store needs (its SQLAlchemy dialect, the pipelined CDR
writer) is imported when that path runs, not when the bridge and its capabilities load."""

from __future__ import annotations

import json
import subprocess
import sys

#: Imported on first use only (each a few hundred KB to several MB resident).
LATER = ("jinja2", "asterisk_bridge.generator.apply", "psycopg", "pyrage", "aiosmtplib",
         "phonenumbers", "sqlalchemy.dialects.postgresql", "asterisk_bridge.cdr.pgbatch")


def test_loading_the_bridge_imports_no_rare_path() -> None:
    script = (
        "import json, sys\n"
        "import asterisk_bridge.bridge.runner, asterisk_bridge.bridge.capabilities, cli.bridge\n"
        f"print(json.dumps([m for m in {LATER!r} if m in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []
