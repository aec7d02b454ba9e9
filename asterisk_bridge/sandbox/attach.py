"""Start a sandbox instance running this installation's PBX, not an empty one.

A sandbox boots from files rendered at start. Rendered without the store, they are an empty
PBX: after ``voco sandbox stop`` and ``start`` every phone got 401 until the next
``voco apply``, and nothing said so. So an instance started for an installation is pointed at
by the config, boots with the installation's own rendered files, and is then applied (which
compares Asterisk's live state with those files and records nothing new when they match).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.errors import SandboxError, VocoError
from asterisk_bridge.generator import apply as applier
from asterisk_bridge.sandbox.instance import Instance, InstanceInfo


@dataclass
class Started:
    """An instance running the installation's configuration, and the apply that proved it."""

    info: InstanceInfo
    app: App
    outcome: applier.Outcome


def start_attached(inst: Instance, config_path: Path) -> Started:
    """Point the config at *inst*, start it with the installation's files, then apply them.

    If the files cannot be rendered the instance still starts, with an empty PBX, and
    SandboxError says so (and why).
    """
    inst.create()
    cfg = load_config(config_path)
    write_config(replace(cfg, asterisk=inst.settings(cfg.asterisk.node)))
    app = App.open(config_path)
    try:
        files = applier.render(app)
    except VocoError as err:
        inst.start()
        raise SandboxError(
            f"sandbox {inst.name!r} is running, but with an empty PBX: Voco's configuration "
            f"could not be rendered ({err}); fix that, then run 'voco apply'") from None
    info = inst.start(files)
    return Started(info, app, applier.apply(app))
