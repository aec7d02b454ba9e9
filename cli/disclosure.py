"""``voco disclosure``: the register of every hand-over of a person's data to a third party."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option, text
from cli.person import subject_options, target, vault

DISCLOSURE_COLUMNS = (
    Column("ID", lambda d: d.id, right=True),
    Column("DATE", lambda d: d.created_at[:10]),
    Column("ABOUT", lambda d: d.identifier),
    Column("RECIPIENT", lambda d: d.recipient),
    Column("NOTICE", lambda d: f"sent {d.notice_sent_on}" if d.notice == "sent"
           else "withheld"),
    Column("ITEMS", lambda d: d.items),
)


@click.group("disclosure")
def disclosure_group() -> None:
    """The disclosure register: who received a person's data, on what basis, and whether
    the person was told (or why not). Entries are never deleted and outlive the person's
    erasure; an export made for an entry ('voco subject export --disclosure ID') is linked
    to it."""


@disclosure_group.command("add")
@subject_options
@click.option("--recipient", required=True, help="Who receives the data (the requester).")
@click.option("--basis", required=True, help="The legal basis of the request.")
@click.option("--items", required=True,
              help="What is disclosed: categories of 'voco subject find', each whole or "
                   "CATEGORY:ID, comma-separated (e.g. 'cdr,recordings:ID').")
@click.option("--notice-sent", help="The date notice was sent to the person (YYYY-MM-DD).")
@click.option("--notice-withheld", help="Why the person is not told (e.g. the court order).")
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, recipient: str, basis: str, items: str,
            notice_sent: str | None, notice_withheld: str | None, **_: str | None) -> None:
    """Record a disclosure about a person."""
    from asterisk_bridge.disclosures import register as disclosures
    from asterisk_bridge.oplog import current_actor

    about = target(ctx)
    with get_app(ctx).engine.begin() as conn:
        entry_id = disclosures.add(conn, vault(ctx), about, recipient, basis, items, notice_sent,
                                notice_withheld, current_actor())
    click.echo(f"recorded disclosure {entry_id}")


@disclosure_group.command("list")
@list_json_option
@click.pass_context
@oplogged_read("disclosures")
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every disclosure, oldest first."""
    from asterisk_bridge.disclosures import register as disclosures

    with get_app(ctx).engine.connect() as conn:
        entries = disclosures.entries(conn, vault(ctx))
    read_rows(len(entries))
    emit_list(entries, as_json, DISCLOSURE_COLUMNS, lambda d: d.as_dict(), "no disclosures")


@disclosure_group.command("show")
@click.argument("entry_id", type=int)
@object_json_option
@click.pass_context
@oplogged_read("disclosures")
def show_cmd(ctx: click.Context, entry_id: int, as_json: bool) -> None:
    """One disclosure with the exports made for it, and (notice sent) the notice's text."""
    from asterisk_bridge.disclosures import notice
    from asterisk_bridge.disclosures import register as disclosures

    with get_app(ctx).engine.connect() as conn:
        [entry] = disclosures.entries(conn, vault(ctx), entry_id)
    read_rows(1)
    shown = entry.as_dict()
    if entry.notice == "sent":
        shown["notice_text"] = "\n".join(notice.compose(entry))
    emit_object(shown, as_json, _describe)


def _describe(shown: Mapping[str, Any]) -> str:
    lines = [f"{k}: {text(v)}" for k, v in shown.items() if k not in ("exports", "notice_text")]
    lines.append("exports:" + ("" if shown["exports"] else " none"))
    lines += [f"  {e['at']} by {e['by']}: {e['records']} records, {e['size']} bytes, sha256 "
              f"{e['sha256']}" for e in shown["exports"]]
    if "notice_text" in shown:
        lines += ["notice text:", *(f"  {line}" for line in shown["notice_text"].splitlines())]
    return "\n".join(lines)
