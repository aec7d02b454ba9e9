"""Entry point of the ``voco`` command.

Subcommands load lazily: :data:`COMMANDS` names where each one lives, and its module is imported
only when that command (or a help page listing it) needs it. The ``cli`` modules import the
store, the bridge and the crypto inside the functions that use them, so ``voco --help``,
``voco cdr --help`` and commands that touch neither the store nor Asterisk start without
loading them (``bench/bench_cli.py`` measures it).
"""

from __future__ import annotations

import importlib

import click

from asterisk_bridge.errors import exit_code_summary
from cli.common import VocoGroup

#: Every top-level command: its name -> ``"module:attribute"``. A new command goes here; a unit
#: test checks that each entry loads, under its own name, without importing the store.
COMMANDS: dict[str, str] = {
    "agent": "cli.agent:agent_group",
    "ami-user": "cli.amiuser:ami_user_group",
    "api": "cli.api:api_group",
    "apply": "cli.apply:apply_cmd",
    "bridge": "cli.bridge:bridge_group",
    "calls": "cli.calls:calls_group",
    "capture": "cli.capture:capture_group",
    "cdr": "cli.cdr:cdr_group",
    "check": "cli.check:check_cmd",
    "conference": "cli.conference:conference_group",
    "crm": "cli.callerinfo:crm_group",
    "config": "cli.configio:config_group",
    "contact": "cli.contact:contact_group",
    "db": "cli.db:db_group",
    "debug": "cli.debug:debug_group",
    "db-grant": "cli.dbgrant:db_grant_group",
    "disclosure": "cli.disclosure:disclosure_group",
    "extension": "cli.extension:extension_group",
    "grants": "cli.grants:grants_group",
    "hold": "cli.hold:hold_group",
    "init": "cli.init:init_cmd",
    "intrusion": "cli.intrusion:intrusion_group",
    "keys": "cli.keys:keys_group",
    "live": "cli.live:live_group",
    "notify": "cli.notify:notify_group",
    "oplog": "cli.oplog:oplog_group",
    "popup": "cli.callerinfo:popup_group",
    "prompt": "cli.policy:prompt_group",
    "queue": "cli.queue:queue_group",
    "recording": "cli.recording:recording_group",
    "recording-policy": "cli.policy:policy_group",
    "report": "cli.report:report_group",
    "retention": "cli.retention:retention_group",
    "route": "cli.route:route_group",
    "sandbox": "cli.sandbox:sandbox_group",
    "smtp": "cli.smtp:smtp_group",
    "speeddial": "cli.speeddial:speeddial_group",
    "subject": "cli.subject:subject_group",
    "systemd": "cli.systemd:systemd_group",
    "tls": "cli.tls:tls_group",
    "transcription": "cli.transcription:transcription_group",
    "trunk": "cli.trunk:trunk_group",
    "voicemail": "cli.voicemail:voicemail_group",
}


class LazyGroup(VocoGroup):
    """The top-level group: a subcommand is imported from :data:`COMMANDS` when first asked
    for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, epilog=f"Exit codes: {exit_code_summary()} (see docs/cli.md).")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Config file (default: $VOCO_CONFIG, else /etc/voco/voco.toml).",
)
@click.version_option(package_name="voco")
def voco(config: str | None) -> None:
    """Voco: a privacy-first integration layer for Asterisk."""


def main() -> None:
    """Console-script entry point."""
    voco(prog_name="voco")
