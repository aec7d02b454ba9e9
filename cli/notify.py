"""``voco notify``: who hears of which event, by e-mail or by phone. Off until a rule exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.notifications.events import KINDS, NAMES
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.context import App

RULE_COLUMNS = (
    Column("ID", lambda r: r.id, right=True),
    Column("EVENT", lambda r: r.event),
    Column("BY", lambda r: r.channel),
    Column("TO", lambda r: r.recipient),
    Column("AUDIO", lambda r: "yes" if r.attach_audio else ""),
    Column("QUIET", lambda r: r.quiet),
    Column("SINCE", lambda r: r.created_at[:10]),
)
EVENT_COLUMNS = (
    Column("EVENT", lambda k: k.name),
    Column("FACTS", lambda k: ", ".join(k.facts)),
    Column("ABOUT", lambda k: k.about),
)


@click.group("notify")
def notify_group() -> None:
    """Notifications: events reach the people a rule names, by e-mail (through 'voco smtp')
    or by a phone call placed by the running bridge. Nothing is sent until a rule exists.
    A storm of events of one kind and source is one message with a count; only the fact of
    each notification is kept (event, recipient by extension or subject id, outcome)."""


@notify_group.command("events")
@list_json_option
def events_cmd(as_json: bool) -> None:
    """The events a rule can name, and the facts their messages carry."""
    emit_list(list(KINDS), as_json, EVENT_COLUMNS,
              lambda k: {"event": k.name, "facts": list(k.facts), "about": k.about}, "")


@notify_group.group("rule")
def rule_group() -> None:
    """Notification rules."""


@rule_group.command("add")
@click.argument("event", type=click.Choice(NAMES))
@click.option("--email", help="Send to this e-mail address.")
@click.option("--extension", help="Send to this extension (its owner's e-mail, or call it "
              "with --by phone).")
@click.option("--phone", help="Call this number (through [notifications] number_channel).")
@click.option("--owner", is_flag=True, help="Send to the extension the event is about (a "
              "voicemail's mailbox owner).")
@click.option("--by", type=click.Choice(["email", "phone"]),
              help="For --extension/--owner: e-mail (default) or a phone call.")
@click.option("--attach-audio", is_flag=True, help="voicemail by e-mail: attach the audio. "
              "The recording then leaves the PBX, in the recipient's mailbox.")
@click.option("--quiet", metavar="HH:MM-HH:MM", help="Quiet hours (UTC): nothing is sent "
              "then (recorded as 'quiet').")
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, event: str, email: str | None, extension: str | None,
            phone: str | None, owner: bool, by: str | None, attach_audio: bool,
            quiet: str | None) -> None:
    """Add a rule: EVENT reaches one recipient."""
    from asterisk_bridge.notifications import rules
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.subjects.vault import SubjectVault

    ctx.params.pop("email")
    ctx.params.pop("phone")
    app = get_app(ctx)
    spec = rules.RuleSpec.build(event, email, extension, phone, owner, by, attach_audio, quiet,
                                app.config.privacy.default_region)
    with app.engine.begin() as conn:
        rule_id, subject = rules.add(conn, SubjectVault(app.master_key), spec, current_actor())
    ctx.params["recipient"] = {"target": spec.target, "subject": subject}
    who = {"address": "an e-mail address", "number": "a phone number",
           "owner": "the event's extension"}.get(spec.target, f"extension {spec.value}")
    click.echo(f"rule {rule_id}: {event} by {spec.channel} to {who}")


@rule_group.command("list")
@click.option("--event", type=click.Choice(NAMES), help="Only the rules of this event.")
@list_json_option
@click.pass_context
@oplogged_read("notification recipients")
def list_cmd(ctx: click.Context, event: str | None, as_json: bool) -> None:
    """Every rule; TO is the address or number while its person exists."""
    from asterisk_bridge.notifications import rules
    from asterisk_bridge.subjects.vault import SubjectVault

    app = get_app(ctx)
    with app.engine.connect() as conn:
        found = rules.listing(conn, SubjectVault(app.master_key), event)
    read_rows(len(found))
    emit_list(found, as_json, RULE_COLUMNS, lambda r: r.as_dict(), "no notification rules")


@rule_group.command("remove")
@click.argument("rule_id", type=int)
@click.pass_context
@oplogged
def remove_cmd(ctx: click.Context, rule_id: int) -> None:
    """Delete a rule."""
    from asterisk_bridge.notifications import rules

    with get_app(ctx).engine.begin() as conn:
        rules.remove(conn, rule_id)
    click.echo(f"removed rule {rule_id}")


@rule_group.command("test")
@click.argument("rule_id", type=int)
@click.pass_context
@oplogged
def test_cmd(ctx: click.Context, rule_id: int) -> None:
    """Send the rule's message now, with sample facts, and say how it went."""
    from asterisk_bridge.errors import NotFoundError, VocoError

    app = get_app(ctx)
    import asyncio
    outcomes = asyncio.run(_test(app, rule_id))
    if not outcomes:
        raise NotFoundError(f"notification rule {rule_id} does not exist")
    if outcomes != ["sent"]:
        raise VocoError(f"rule {rule_id}: {outcomes[0]}; 'voco notify status' says why")
    click.echo(f"rule {rule_id}: sent")


async def _test(app: App, rule_id: int) -> list[str]:
    from sqlalchemy import select

    from asterisk_bridge.bridge.amiclient import ami_session
    from asterisk_bridge.notifications import bus
    from asterisk_bridge.notifications.events import kind
    from asterisk_bridge.notifications.hosted import make_notifier
    from asterisk_bridge.notifications.phone import Caller
    from asterisk_bridge.store.models.notifications import NotificationRule

    with app.engine.connect() as conn:
        row = conn.execute(select(NotificationRule).where(
            NotificationRule.id == rule_id)).first()
    if row is None:
        return []
    event = bus.make_event(row.event, key="test", extension=row.extension or "1000",
                           **{f: "(test)" for f in kind(row.event).facts})
    notifier = make_notifier(app, attempts=1)
    if row.channel != "phone":
        return await notifier.deliver(event, 1, rule_id)
    async with ami_session(app.config.asterisk, timeout=app.config.notifications.ring_s + 15
                           ) as session:
        notifier.call = Caller(session, app.config.notifications).call
        return await notifier.deliver(event, 1, rule_id)



@notify_group.command("status")
@object_json_option
@click.pass_context
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Rules per event, how notifications went in the last 24 hours, the latest failure."""
    from asterisk_bridge.notifications.status import summary

    with get_app(ctx).engine.connect() as conn:
        data = summary(conn)
    emit_object(data, as_json, _describe)


def _describe(data: Mapping[str, Any]) -> str:
    rules = ", ".join(f"{k}: {v}" for k, v in sorted(data["rules"].items())) or "none (off)"
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(data["outcomes"].items())) or "none"
    last = data["last_failure"]
    failure = "none" if last is None else (f"{last['at']} {last['event']} by "
                                           f"{last['channel']}: {last['error']}")
    return (f"rules: {rules}\nlast {data['hours']} h: {outcomes}\nlatest failure: {failure}")
