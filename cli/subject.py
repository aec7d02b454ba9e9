"""``voco subject``: what Voco holds about a person; export it for them; erase it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_object, object_json_option, table
from cli.person import number_argument, target, vault

if TYPE_CHECKING:
    from asterisk_bridge.subjects import rights
    from asterisk_bridge.subjects.target import Target


FINDING_COLUMNS = (
    Column("CATEGORY", lambda f: f[0]),
    Column("COUNT", lambda f: f[1]["count"], right=True),
    Column("IDS", lambda f: _ids(f[1]["ids"])),
)
PLAN_COLUMNS = (*FINDING_COLUMNS[:2], Column("ON ERASURE", lambda f: f[1]["erasure"]))


def _ids(ids: list[str], shown: int = 5) -> str:
    more = f" (+{len(ids) - shown} more; --json lists all)" if len(ids) > shown else ""
    return ",".join(ids[:shown]) + more


def _findings(found: Target, findings: list[rights.Finding]) -> dict[str, Any]:
    return {"subject": found.subject_id, "kind": found.identifier.kind,
            "categories": {f.category: f.as_dict() for f in findings}}


def _describe(columns: tuple[Column, ...]) -> Callable[[Mapping[str, Any]], str]:
    def describe(shown: Mapping[str, Any]) -> str:
        if shown["subject"] is None:
            head = f"no subject is known by this {shown['kind']}"
        else:
            head = f"subject {shown['subject']} ({shown['kind']})"
        return "\n".join([head, *table(list(shown["categories"].items()), columns)])

    return describe


@click.group("subject")
def subject_group() -> None:
    """A person's rights over what Voco holds about them: find it, export it, erase it.

    A person (a subject) is named by a phone number (normalised to E.164 with the
    [privacy] default_region), --extension N (the extension's owner) or --email ADDRESS.
    What you type is never logged in clear: the operation log gets the subject id and the
    identifier sealed under the person's own key.
    """


@subject_group.command("find")
@number_argument
@object_json_option
@click.pass_context
@oplogged_read("subject data")
def find_cmd(ctx: click.Context, as_json: bool, **_: str | None) -> None:
    """Everything held about a person, by category, with counts and ids (personal contacts:
    only a count, and only of those their owners made findable)."""
    from asterisk_bridge.subjects import rights

    found = target(ctx)
    findings = rights.find(get_app(ctx), vault(ctx), found)
    read_rows(sum(f.found.count for f in findings))
    emit_object(_findings(found, findings), as_json, _describe(FINDING_COLUMNS))


@subject_group.command("export")
@number_argument
@click.option("--age-recipient", "age_recipients", multiple=True, required=True,
              help="Encrypt to this age (age1…) or SSH public key; repeatable.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The bundle to write (mode 0600; appears only once complete).")
@click.option("--disclosure", type=int, help="Link the bundle to this disclosure entry.")
@click.pass_context
@oplogged_read("subject data")
def export_cmd(ctx: click.Context, age_recipients: tuple[str, ...], output: str,
               disclosure: int | None, **_: str | None) -> None:
    """Write everything held about a person as one age-encrypted bundle: a tar of
    manifest.json and the recordings as WAV ('age -d -i KEY FILE | tar x')."""
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.subjects import bundle

    found = target(ctx)
    done = bundle.export(get_app(ctx), vault(ctx), found, age_recipients,
                         Path(output).expanduser(), current_actor(), disclosure)
    read_rows(done.records)
    click.echo(f"exported {done.records} records and {done.files} files to {output} "
               f"(sha256 {done.sha256})")


@subject_group.command("erase")
@number_argument
@click.option("--reason", required=True, help="Why (kept in the tombstone and the log).")
@click.option("--dry-run", is_flag=True, help="Show what would be erased; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@oplogged
def erase_cmd(ctx: click.Context, reason: str, dry_run: bool, yes: bool,
              **_: str | None) -> None:
    """Erase a person: crypto-shred every recording they are a party to, delete the personal
    contacts their owners made findable, then destroy their key. CDR rows stay for billing
    with the personal fields unreadable. Refused while a legal hold covers any of it."""
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.subjects import rights

    found = target(ctx)
    app = get_app(ctx)
    subject = found.subject  # NotFoundError: nobody to erase
    findings = rights.find(app, vault(ctx), found)
    click.echo(_describe(PLAN_COLUMNS)(_findings(found, findings)))
    if dry_run:
        click.echo("dry run: nothing was changed")
        return
    if not yes:
        click.confirm("Erase this subject for good?", abort=True)
    done = rights.erase(app, vault(ctx), found, current_actor(), reason)
    steps = ", ".join(f"{n} {category}" for category, n in done.items() if n)
    click.echo(f"erased subject {subject}: key destroyed"
               + (f"; destroyed {steps}" if steps else ""))
