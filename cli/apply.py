"""``voco apply``: render Voco's Asterisk configuration, reload it, and prove it is live."""

from __future__ import annotations

import click

from asterisk_bridge.errors import VocoError
from cli.common import get_app
from cli.output import dumps, emit_object, object_json_option


@click.command("apply")
@click.option("--dry-run", is_flag=True, help="Show the unified diff; change nothing.")
@click.option("--offline", is_flag=True,
              help="Only write the files, for an Asterisk that is not running yet (first "
                   "start of a container or host); refused while Asterisk runs.")
@object_json_option
@click.pass_context
def apply_cmd(ctx: click.Context, dry_run: bool, offline: bool, as_json: bool) -> None:
    """Write the configuration files and reload Asterisk; roll back if it rejects them.

    After the reload, what Asterisk runs (globals, dialplan, PJSIP objects, feature codes,
    queues) is compared with the rendered files; a difference also rolls back. With nothing to
    change, drift found in Asterisk is repaired by reloading every file.

    Logged explicitly rather than with @oplogged: the entry carries the diff's SHA-256.
    """
    from asterisk_bridge.generator import apply as applier

    app = get_app(ctx)
    if dry_run:
        p = applier.plan(app)
        emit_object({"changed": p.changed, "diff": p.diff, "diff_sha256": p.diff_sha256,
                     "sentinel": p.sentinel}, as_json,
                    lambda d: f"{d['diff']}{len(p.changed)} file(s) would change: "
                              f"{', '.join(p.changed) or '-'}")
        return
    try:
        outcome = applier.apply(app, offline=offline)
    except VocoError as err:
        app.record("apply", {"dry_run": False, "offline": offline}, "error", str(err))
        raise
    app.record("apply", {"changed": outcome.changed, "diff_sha256": outcome.diff_sha256,
                         "sentinel": outcome.sentinel, "reloaded": outcome.reloaded,
                         "offline": offline}, "ok")
    if as_json:
        click.echo(dumps(outcome.to_dict()))
    elif offline:
        click.echo(f"wrote {', '.join(outcome.changed) or 'nothing (files current)'}; Asterisk "
                   "reads them when it starts; run 'voco apply' then to prove them live")
    elif outcome.changed:
        click.echo(f"applied {', '.join(outcome.changed)}; reloaded "
                   f"{', '.join(outcome.reloaded)}; {outcome.sentinel} is live")
        click.echo(f"diff sha256 {outcome.diff_sha256}; previous files kept in {outcome.backup}")
    else:
        click.echo(f"nothing to change; {outcome.sentinel} is live")
