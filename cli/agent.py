"""``voco agent``: log an extension in or out of a queue, pause or unpause it (what its phone
does with *45<queue>, *46<queue>, *47, *48)."""

from __future__ import annotations

import click

from cli.common import get_app, oplogged


@click.group("agent")
def agent_group() -> None:
    """Queue agents (extensions). Activity (logins, pauses, calls offered, answered, missed)
    is read by the bridge from Asterisk's queue_log; see 'voco report agents'."""


@agent_group.command("login")
@click.argument("extension")
@click.option("--queue", required=True, help="Queue name.")
@click.pass_context
@oplogged
def login_cmd(ctx: click.Context, extension: str, queue: str) -> None:
    """EXTENSION joins QUEUE as an agent."""
    from asterisk_bridge.agents import control

    control.login(get_app(ctx), extension, queue)
    click.echo(f"{extension} logged in to {queue}")


@agent_group.command("logout")
@click.argument("extension")
@click.option("--queue", required=True, help="Queue name.")
@click.pass_context
@oplogged
def logout_cmd(ctx: click.Context, extension: str, queue: str) -> None:
    """EXTENSION leaves QUEUE."""
    from asterisk_bridge.agents import control

    control.logout(get_app(ctx), extension, queue)
    click.echo(f"{extension} logged out of {queue}")


@agent_group.command("pause")
@click.argument("extension")
@click.option("--queue", help="Queue name (default: every queue it is in).")
@click.option("--reason", default="", help="Why (a word: lunch, training ...).")
@click.pass_context
@oplogged
def pause_cmd(ctx: click.Context, extension: str, queue: str | None, reason: str) -> None:
    """Stop offering calls to EXTENSION."""
    from asterisk_bridge.agents import control

    control.pause(get_app(ctx), extension, queue, True, reason)
    click.echo(f"{extension} paused")


@agent_group.command("unpause")
@click.argument("extension")
@click.option("--queue", help="Queue name (default: every queue it is in).")
@click.pass_context
@oplogged
def unpause_cmd(ctx: click.Context, extension: str, queue: str | None) -> None:
    """Offer calls to EXTENSION again."""
    from asterisk_bridge.agents import control

    control.pause(get_app(ctx), extension, queue, False)
    click.echo(f"{extension} unpaused")
