"""``voco contact``: the company directory, its grants, and the owner-only personal contacts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from asterisk_bridge.config import read_secret
from asterisk_bridge.contacts import company, personal
from cli.common import get_app, oplogged, oplogged_read, read_rows


@contextmanager
def _session(ctx: click.Context) -> Iterator[Session]:
    """One transaction: everything the command changes lands together or not at all."""
    with Session(get_app(ctx).engine) as session, session.begin():
        yield session


def _emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text)


def _describe(fields: company.ContactFields, contact_id: int | str) -> str:
    lines = [f"{fields.name}  (id {contact_id})"]
    lines += [f"  number:  {n}" for n in fields.numbers]
    lines += [f"  {label:<8} {value}" for label, value in
              (("email:", fields.email), ("company:", fields.company), ("notes:", fields.notes))
              if value]
    return "\n".join(lines)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@click.group("contact")
def contact_group() -> None:
    """Company contacts (admin-managed, granted to extensions) and personal contacts.

    Personal contacts belong to one extension and are encrypted under a key only that
    extension's secret unlocks: the admin sees a count, never a name or number, and
    'voco config export' never includes them.
    """


@contact_group.command("add")
@click.argument("name")
@click.option("--number", "numbers", multiple=True, help="A phone number (repeatable).")
@click.option("--email", default="")
@click.option("--company", "company_name", default="")
@click.option("--notes", default="")
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, numbers: tuple[str, ...], email: str,
            company_name: str, notes: str, as_json: bool) -> None:
    """Add a company contact called NAME."""
    fields = company.clean(name, numbers, email, company_name, notes)
    with _session(ctx) as s:
        row_id = company.add(s, fields).id
    _emit(as_json, {"id": row_id, **fields.as_dict()}, f"added contact {row_id}: {fields.name}")


@contact_group.command("list")
@json_option
@click.pass_context
@oplogged_read("company contacts")
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List company contacts."""
    with _session(ctx) as s:
        rows = [(r.id, company.fields_of(r)) for r in company.listing(s)]
    read_rows(len(rows))
    text = "\n".join(f"{i:>5}  {f.name:<30} {', '.join(f.numbers)}" for i, f in rows)
    _emit(as_json, [{"id": i, **f.as_dict()} for i, f in rows], text or "no company contacts")


@contact_group.command("show")
@click.argument("ref")
@json_option
@click.pass_context
@oplogged_read("company contacts")
def show_cmd(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show one company contact (REF: id or exact name)."""
    with _session(ctx) as s:
        row = company.find(s, ref)
        fields, row_id = company.fields_of(row), row.id
    read_rows(1)
    _emit(as_json, {"id": row_id, **fields.as_dict()}, _describe(fields, row_id))


@contact_group.command("set")
@click.argument("ref")
@click.option("--name", default=None, help="Rename the contact.")
@click.option("--number", "numbers", multiple=True,
              help="Replace the numbers with these (repeatable).")
@click.option("--clear-numbers", is_flag=True, help="Remove every number.")
@click.option("--email", default=None, help="New e-mail ('' clears it).")
@click.option("--company", "company_name", default=None, help="New company ('' clears it).")
@click.option("--notes", default=None, help="New notes ('' clears them).")
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, ref: str, name: str | None, numbers: tuple[str, ...],
            clear_numbers: bool, email: str | None, company_name: str | None,
            notes: str | None) -> None:
    """Change fields of a company contact (REF: id or exact name); others stay."""
    with _session(ctx) as s:
        row = company.find(s, ref)
        old = company.fields_of(row)
        fields = company.clean(
            old.name if name is None else name,
            () if clear_numbers else (numbers or old.numbers),
            old.email if email is None else email,
            old.company if company_name is None else company_name,
            old.notes if notes is None else notes,
        )
        company.update(s, row, fields)
        row_id = row.id
    click.echo(f"updated contact {row_id}: {fields.name}")


@contact_group.command("remove")
@click.argument("ref")
@click.pass_context
@oplogged
def remove_cmd(ctx: click.Context, ref: str) -> None:
    """Delete a company contact (REF: id or exact name)."""
    with _session(ctx) as s:
        row = company.find(s, ref)
        name = row.name
        company.remove(s, row)
    click.echo(f"removed contact {name}")


@contact_group.command("grant")
@click.argument("extension")
@click.argument("privilege", type=click.Choice(company.PRIVILEGES))
@click.pass_context
@oplogged
def grant_cmd(ctx: click.Context, extension: str, privilege: str) -> None:
    """Let EXTENSION view or manage the company contacts (replaces an earlier grant)."""
    with _session(ctx) as s:
        company.grant(s, extension, privilege)
    click.echo(f"extension {extension.strip()} may now {privilege} the company contacts")


@contact_group.command("revoke")
@click.argument("extension")
@click.pass_context
@oplogged
def revoke_cmd(ctx: click.Context, extension: str) -> None:
    """Take away EXTENSION's access to the company contacts."""
    with _session(ctx) as s:
        company.revoke(s, extension)
    click.echo(f"extension {extension.strip()} no longer has access to the company contacts")


@contact_group.command("grants")
@json_option
@click.pass_context
def grants_cmd(ctx: click.Context, as_json: bool) -> None:
    """List which extensions may view or manage the company contacts."""
    with _session(ctx) as s:
        held = company.grants(s)
    text = "\n".join(f"{ext:>10}  {priv}" for ext, priv in held.items())
    _emit(as_json, held, text or "no grants")


# --- personal contacts -------------------------------------------------------------------------

def _secret(path: str | None, prompt: str, *, confirm: bool = False) -> str:
    """A secret from its own file, or typed at a hidden prompt: never a command-line value."""
    if path:
        return read_secret(path, prompt.lower())
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _private(ctx: click.Context, *names: str) -> None:
    """Keep a personal contact's content out of the operation log, which the admin reads."""
    for name in names:
        ctx.params.pop(name, None)


extension_option = click.option("--extension", required=True, help="The owning extension.")
secret_file_option = click.option(
    "--secret-file", type=click.Path(dir_okay=False),
    help="File holding the extension's secret (default: prompt with hidden input).")


@contact_group.group("personal")
def personal_group() -> None:
    """An extension's own contacts: its secret is needed to add, read or remove them.

    The admin can count and purge them, never read them. After an admin resets the
    extension's secret, the owner runs 'rewrap' with the old and the new secret.
    """


@personal_group.command("add")
@extension_option
@click.argument("name")
@click.option("--number", "numbers", multiple=True, help="A phone number (repeatable).")
@click.option("--email", default="")
@click.option("--notes", default="")
@secret_file_option
@click.pass_context
@oplogged
def personal_add(ctx: click.Context, extension: str, name: str, numbers: tuple[str, ...],
                 email: str, notes: str, secret_file: str | None) -> None:
    """Add a personal contact NAME to EXTENSION's list (the first one creates the keyring)."""
    _private(ctx, "name", "numbers", "email", "notes")
    fields = personal.clean(name, numbers, email, notes)
    secret = _secret(secret_file, f"Secret of extension {extension}")
    with _session(ctx) as s:
        record_id = personal.add(s, get_app(ctx).master_key, extension, secret, fields)
    click.echo(f"added personal contact {record_id}")


@personal_group.command("list")
@extension_option
@secret_file_option
@json_option
@click.pass_context
@oplogged_read("personal contacts")
def personal_list(ctx: click.Context, extension: str, secret_file: str | None,
                  as_json: bool) -> None:
    """Decrypt and list EXTENSION's personal contacts (the operation log records that and how
    many, never what)."""
    secret = _secret(secret_file, f"Secret of extension {extension}")
    with _session(ctx) as s:
        found = personal.entries(s, extension, secret)
    read_rows(len(found))
    text = "\n".join(f"{e.id[:8]}  {e.name:<30} {', '.join(e.numbers)}" for e in found)
    _emit(as_json, [e.as_dict() for e in found], text or "no personal contacts")


@personal_group.command("remove")
@extension_option
@click.argument("ref")
@secret_file_option
@click.pass_context
@oplogged
def personal_remove(ctx: click.Context, extension: str, ref: str,
                    secret_file: str | None) -> None:
    """Delete one of EXTENSION's personal contacts (REF: id, id prefix or exact name)."""
    _private(ctx, "ref")
    secret = _secret(secret_file, f"Secret of extension {extension}")
    with _session(ctx) as s:
        gone = personal.remove(s, extension, secret, ref)
    click.echo(f"removed personal contact {gone.id}")


@personal_group.command("count")
@click.argument("extension")
@json_option
@click.pass_context
def personal_count(ctx: click.Context, extension: str, as_json: bool) -> None:
    """How many personal contacts EXTENSION has (all an admin can learn about them)."""
    with _session(ctx) as s:
        n = personal.count(s, extension)
    _emit(as_json, {"extension": extension.strip(), "count": n}, str(n))


@personal_group.command("rewrap")
@extension_option
@click.option("--old-secret-file", type=click.Path(dir_okay=False),
              help="File with the secret the contacts are locked with now (default: prompt).")
@click.option("--new-secret-file", type=click.Path(dir_okay=False),
              help="File with the secret to lock them with from now on (default: prompt).")
@click.pass_context
@oplogged
def personal_rewrap(ctx: click.Context, extension: str, old_secret_file: str | None,
                    new_secret_file: str | None) -> None:
    """Re-lock EXTENSION's personal contacts under a new secret (e.g. after a secret reset)."""
    old = _secret(old_secret_file, f"Old secret of extension {extension}")
    new = _secret(new_secret_file, f"New secret of extension {extension}", confirm=True)
    with _session(ctx) as s:
        personal.rewrap(s, extension, old, new)
    click.echo(f"personal contacts of extension {extension} are now locked with the new secret")


@personal_group.command("purge")
@click.argument("extension")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@oplogged
def personal_purge(ctx: click.Context, extension: str, yes: bool) -> None:
    """Irrecoverably delete EXTENSION's personal contacts and their key (a lost secret)."""
    if not yes:
        click.confirm(f"Delete every personal contact of extension {extension}?", abort=True)
    with _session(ctx) as s:
        n = personal.purge(s, extension)
    click.echo(f"purged {n} personal contact(s) of extension {extension}")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(contact_group)
