"""An idle bridge on a SQLite store stays small: what only a rare path needs (rendering
logger.conf, database grants on PostgreSQL, capture export, the first e-mail, the first external
number) and what only a PostgreSQL store needs (its SQLAlchemy dialect, the pipelined CDR
writer) is imported when that path runs, not when the bridge and its capabilities load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_building_the_capabilities_loads_no_ca_bundle(tmp_path: Path) -> None:
    """The CA bundle (over 2 MB resident) is loaded by the first HTTPS client made: the popup
    and CRM client is made when a call first finds a door open, not with the capability."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from asterisk_bridge.bridge.capabilities import default_capabilities\n"
        "from asterisk_bridge.context import App\n"
        "from asterisk_bridge.services.init import initialise\n"
        f"root = Path({str(tmp_path)!r})\n"
        "default_capabilities(App(initialise(root / 'voco.toml', root / 'data', None)))\n"
        "print('certifi' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
