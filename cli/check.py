"""``voco check``: are the files holding personal data or secrets private?"""

from __future__ import annotations

import click

from asterisk_bridge.services import private_files
from cli.common import get_app


@click.command("check")
@click.pass_context
def check_cmd(ctx: click.Context) -> None:
    """Check that every file holding personal data or secrets is private.

    Voco's own files (data directory, store, keys, config) must be 0600 (directories 0700);
    Asterisk's voicemail, recording spool and CDR files at most 0640 (0750). Each looser one is
    listed with the chmod that fixes it; exit 1 if any.
    """
    report = private_files.check(get_app(ctx).config)
    for loose in report.loose:
        click.echo(f"loose: {loose.describe()}")
    for path in report.unchecked:
        click.echo(f"not checked: {path} (permission denied; run as its owner or root)")
    if report.loose:
        ctx.exit(1)
    click.echo(f"private: {report.checked} files and directories holding personal data or "
               "secrets")


def register(group: click.Group) -> None:
    """Add the command to the top-level group."""
    group.add_command(check_cmd)
