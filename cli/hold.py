"""``voco hold``: legal holds that block deletion, erasure and retention of what they cover."""

from __future__ import annotations

import click

from asterisk_bridge.errors import ValidationError
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, list_json_option
from cli.person import subject_options, take_identifier, target, vault

HOLD_COLUMNS = (
    Column("ID", lambda h: h.id, right=True),
    Column("ON", lambda h: h.on),
    Column("HELD", lambda h: h.held),
    Column("STATE", lambda h: h.state),
    Column("SINCE", lambda h: h.created_at[:10]),
    Column("UNTIL", lambda h: h.until),
    Column("BY", lambda h: h.created_by),
    Column("REASON", lambda h: h.reason),
)


@click.group("hold")
def hold_group() -> None:
    """Legal holds. A hold on a person (--subject NUMBER, --extension N, --email ADDRESS)
    covers every record naming them; a hold on a call (--call LINKEDID) covers its CDRs,
    recordings and evidence. While a hold is in force (until released, or the end of its
    --until day), 'voco cdr delete', 'voco recording delete' and 'voco subject erase' refuse
    what it covers, naming the hold, and retention keeps it. Holds are never deleted."""


@hold_group.command("add")
@subject_options
@click.option("--call", help="The call (linkedid) to hold.")
@click.option("--reason", required=True, help="Why (the case, the order; kept on record).")
@click.option("--until", help="Last day of the hold (YYYY-MM-DD); default: until released.")
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, call: str | None, reason: str, until: str | None,
            **_: str | None) -> None:
    """Place a hold on a person or on a call."""
    from asterisk_bridge.holds import register as holds
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    if call is not None:
        if any(v is not None for v in take_identifier(ctx).values()):
            raise ValidationError("give either a person or --call, not both")
        with app.engine.begin() as conn:
            hold_id = holds.place_on_call(conn, call, reason, until, current_actor())
        click.echo(f"placed hold {hold_id} on call {call.strip()}")
        return
    held = target(ctx, create=True)
    with app.engine.begin() as conn:
        hold_id = holds.place_on_subject(conn, vault(ctx), held, reason, until,
                                            current_actor())
    click.echo(f"placed hold {hold_id} on subject {held.subject}")


@hold_group.command("list")
@click.option("--active", "active_only", is_flag=True, help="Only the holds in force now.")
@list_json_option
@click.pass_context
@oplogged_read("legal holds")
def list_cmd(ctx: click.Context, active_only: bool, as_json: bool) -> None:
    """Every hold, oldest first; HELD is the identifier the hold was placed by (while the
    person exists) or the call's linkedid."""
    from asterisk_bridge.holds import register as holds

    with get_app(ctx).engine.connect() as conn:
        found = holds.listing(conn, vault(ctx), active_only)
    read_rows(len(found))
    emit_list(found, as_json, HOLD_COLUMNS, lambda h: h.as_dict(), "no legal holds")


@hold_group.command("release")
@click.argument("hold_id", type=int)
@click.option("--reason", required=True, help="Why the hold no longer applies.")
@click.pass_context
@oplogged
def release_cmd(ctx: click.Context, hold_id: int, reason: str) -> None:
    """End a hold now (it stays on record, with who released it and why)."""
    from asterisk_bridge.holds import register as holds
    from asterisk_bridge.oplog import current_actor

    with get_app(ctx).engine.begin() as conn:
        holds.release(conn, hold_id, reason, current_actor())
    click.echo(f"released hold {hold_id}")
