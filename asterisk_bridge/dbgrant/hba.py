"""The ``pg_hba.conf`` lines that make a database grant's network restriction real.

Each role gets a block at the top of the file (PostgreSQL uses the first matching line): one
``scram-sha-256`` line per permitted network for this database, then a ``reject`` for the role
from anywhere else, so no later ``trust`` line can let it in from elsewhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path


def lines(database: str, role: str, permit: Iterable[str]) -> list[str]:
    """The block for *role* (names are validated identifiers)."""
    nets = [str(ipaddress.ip_network(n)) for n in permit]
    return ([f"# voco db-grant {role} begin"]
            + [f"host    {database}    {role}    {net}    scram-sha-256" for net in nets]
            + [f"host    all    {role}    all    reject", f"# voco db-grant {role} end"])


def _without(text: str, role: str) -> list[str]:
    out, skipping = [], False
    for line in text.splitlines():
        if line == f"# voco db-grant {role} begin":
            skipping = True
        elif skipping and line == f"# voco db-grant {role} end":
            skipping = False
        elif not skipping:
            out.append(line)
    return out


def install(path: Path, block: list[str], role: str) -> None:
    """Put *block* at the top of the file (replacing the role's earlier block)."""
    rest = _without(path.read_text(encoding="utf-8"), role)
    _write(path, [*block, *rest])


def remove(path: Path, role: str) -> None:
    """Take the role's block out of the file."""
    _write(path, _without(path.read_text(encoding="utf-8"), role))


def _write(path: Path, content: list[str]) -> None:
    """Rewrite in place: the file keeps its owner and mode (the server must read it)."""
    with path.open("r+", encoding="utf-8") as f:
        f.write("\n".join(content) + "\n")
        f.truncate()
