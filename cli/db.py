"""``voco db``: Alembic migrations of the store."""

from __future__ import annotations

import click

from asterisk_bridge.errors import ValidationError
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("db")
def db_group() -> None:
    """Database schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@click.pass_context
@oplogged
def upgrade(ctx: click.Context, revision: str) -> None:
    """Migrate the database up to REVISION (default: newest)."""
    from asterisk_bridge.store import migrate

    app = get_app(ctx)
    migrate.upgrade(app.engine, revision)
    click.echo(f"database at {', '.join(migrate.current(app.engine)) or 'base'}")


@db_group.command("downgrade")
@click.argument("revision")
@click.option("--discard-operation-log", "discard", is_flag=True,
              help="Allow a downgrade that drops the operation log (it is logged first; "
                   "afterwards only 'voco oplog restart' begins a new log, visibly).")
@click.pass_context
def downgrade(ctx: click.Context, revision: str, discard: bool) -> None:
    """Migrate the database down to REVISION ('base' drops every Voco table).

    A downgrade that would drop the operation log is refused unless --discard-operation-log is
    given: a log that existed must not silently start again.
    """
    from asterisk_bridge.store import migrate

    app = get_app(ctx)
    args = {"revision": revision, "from": ", ".join(migrate.current(app.engine))}
    lost = migrate.discards_oplog(app.engine, revision)
    if lost and not discard:
        raise ValidationError(
            f"revision: downgrading to {revision!r} drops the operation log (undoing "
            f"{', '.join(lost)}); nothing changed. Pass --discard-operation-log if you mean it: "
            "the downgrade is logged first, and a new log can only begin with 'voco oplog "
            "restart', which every later verify shows")
    if lost:  # the last entry the discarded log will hold
        app.record("db downgrade", {**args, "discard_operation_log": True}, "ok",
                   f"discarding the operation log (undoing {', '.join(lost)})")
    migrate.downgrade(app.engine, revision)
    now = migrate.current(app.engine)
    if not lost:
        app.record("db downgrade", args, "ok")
    click.echo(f"database at {', '.join(now) or 'base'}")


@db_group.command("current")
@object_json_option
@click.pass_context
def current(ctx: click.Context, as_json: bool) -> None:
    """Show the revision the database is at, and the newest one shipped."""
    from asterisk_bridge.store import migrate

    app = get_app(ctx)
    cur, newest = migrate.current(app.engine), migrate.heads()
    emit_object({"current": cur, "newest": newest, "up_to_date": cur == newest}, as_json,
                lambda d: f"current: {', '.join(cur) or 'base (empty)'}\nnewest:  "
                          f"{', '.join(newest)}"
                          + ("" if d["up_to_date"] else "\nrun 'voco db upgrade' to migrate"))
