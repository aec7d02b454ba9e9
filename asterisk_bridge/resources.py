"""Where the packaged templates and migrations are, in a wheel or in a source checkout.

The wheel carries them inside the package (``asterisk_bridge/dialplan_templates``); a checkout or an
editable install keeps them at the repository root, beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"packaged directory {name!r} is missing from {_PKG}; reinstall voco")


def templates_dir() -> Path:
    """The directory holding the Jinja templates of every Asterisk file Voco renders."""
    return _find("dialplan_templates")


def migrations_dir() -> Path:
    """The Alembic script directory."""
    return _find("migrations")
