"""``voco live``: pause, resume or stop the recording of a live call, and show its evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from asterisk_bridge.errors import NotFoundError
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, list_json_option

if TYPE_CHECKING:
    from asterisk_bridge.context import App
    from asterisk_bridge.recording import control


@click.group("live")
def live_group() -> None:
    """Live calls: recording control and consent evidence."""


async def _control(app: App, target: str, action: str) -> list[tuple[control.Recorder, str]]:
    from asterisk_bridge.bridge.amiclient import ami_session
    from asterisk_bridge.recording import control

    async with ami_session(app.config.asterisk) as ami:
        recs = await control.recorders(ami.action, target)
        if not recs:
            raise NotFoundError(f"no Voco recording is running on a call matching {target!r} "
                                "(give a channel, uniqueid, linkedid or recording id)")
        return [(rec, await control.apply(ami.action, rec, action)) for rec in recs]


def _run(ctx: click.Context, target: str, action: str) -> None:
    import asyncio

    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.recording import evidence

    app = get_app(ctx)
    actor = f"cli:{current_actor()}"
    for rec, state in asyncio.run(_control(app, target, action)):
        evidence.record(app, evidence.Fact(
            linkedid=rec.linkedid, event=action, channel=rec.channel,
            recording_id=rec.recording_id, outcome=state, actor=actor, source="cli",
            detail=f"target={target}"))
        click.echo(f"{rec.recording_id}: {state}")


@live_group.command("pause")
@click.argument("target")
@click.pass_context
@oplogged
def pause_cmd(ctx: click.Context, target: str) -> None:
    """Pause (mute) the recording of the call TARGET names: the span is silent in the file."""
    _run(ctx, target, "pause")


@live_group.command("resume")
@click.argument("target")
@click.pass_context
@oplogged
def resume_cmd(ctx: click.Context, target: str) -> None:
    """Resume a recording muted by 'voco live pause'."""
    _run(ctx, target, "resume")


@live_group.command("stop-recording")
@click.argument("target")
@click.pass_context
@oplogged
def stop_cmd(ctx: click.Context, target: str) -> None:
    """Stop the recording for the rest of the call (the call goes on)."""
    _run(ctx, target, "stop")


EVIDENCE_COLUMNS = (
    Column("AT (UTC)", lambda f: f["at"]),
    Column("EVENT", lambda f: f["event"]),
    Column("LEG", lambda f: f["leg"]),
    Column("BY", lambda f: f["actor"]),
    Column("WHAT", lambda f: " ".join(f"{k}={f[k]}" for k in ("prompt", "digit", "outcome",
                                                              "recording_id") if f[k])),
    Column("DETAIL", lambda f: f["detail"]),
)


@live_group.command("evidence")
@click.argument("linkedid")
@list_json_option
@click.pass_context
@oplogged_read("consent evidence")
def evidence_cmd(ctx: click.Context, linkedid: str, as_json: bool) -> None:
    """Consent evidence of call LINKEDID: prompts, answers, start/pause/resume/stop."""
    from asterisk_bridge.recording import evidence

    facts = evidence.for_call(get_app(ctx), linkedid)
    read_rows(len(facts))
    emit_list(facts, as_json, EVIDENCE_COLUMNS, dict, f"no consent evidence for call {linkedid}")
