"""The CLI starts without the store: every command is in the lazy table, and help pages (the
top level's and each group's) import no SQLAlchemy, Alembic or AMI client."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click

import cli
from asterisk_bridge.retention import choices as retention_choices
from asterisk_bridge.retention import kinds
from cli.main import COMMANDS

HEAVY = ("sqlalchemy", "alembic", "panoramisk", "asterisk_bridge.store", "cryptography", "asyncio")


def _defined_commands() -> dict[str, tuple[str, click.Command]]:
    """Every command a ``cli`` module defines that no group of it holds: the top level's."""
    found: dict[int, tuple[str, click.Command]] = {}
    held: set[int] = set()
    for mod in pkgutil.iter_modules(cli.__path__):
        if mod.name == "main":
            continue
        module = importlib.import_module(f"cli.{mod.name}")
        for attr, value in vars(module).items():
            if isinstance(value, click.Command):
                found.setdefault(id(value), (f"{module.__name__}:{attr}", value))
            if isinstance(value, click.Group):
                held.update(id(sub) for sub in value.commands.values())
    return {cmd.name or "": (where, cmd) for key, (where, cmd) in found.items()
            if key not in held}


def test_every_command_is_in_the_lazy_table() -> None:
    defined = _defined_commands()
    assert {name: where for name, (where, _) in defined.items()} == COMMANDS


def test_help_pages_import_no_store() -> None:
    """Each help page runs in one fresh interpreter; after each, nothing heavy is loaded."""
    script = (
        "import json, sys\n"
        "from cli.main import COMMANDS, voco\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = {}\n"
        "for args in [[], *([n] for n in sorted(COMMANDS))]:\n"
        "    try:\n"
        "        voco([*args, '--help'], prog_name='voco')\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    loaded[' '.join(args) or '(top)'] = [h for h in heavy if h in sys.modules]\n"
        "print(json.dumps(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert set(loaded) == {"(top)", *COMMANDS}
    assert {page: mods for page, mods in loaded.items() if mods} == {}


def test_retention_choices_name_every_category() -> None:
    assert retention_choices.NAMES == kinds.NAMES
