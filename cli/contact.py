"""``voco contact``: the company directory, its grants, and the owner-only personal contacts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.config import read_secret
from asterisk_bridge.contacts.choices import PRIVILEGES
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option
from cli.person import log_sealed, withhold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@contextmanager
def _session(ctx: click.Context) -> Iterator[Session]:
    """One transaction: everything the command changes lands together or not at all."""
    from sqlalchemy.orm import Session

    with Session(get_app(ctx).engine) as session, session.begin():
        yield session


#: A contact's fields among a command's options: logged sealed under the contact's key.
PERSONAL = ("name", "numbers", "email", "company_name", "notes")


def _key(ctx: click.Context) -> bytes:
    return get_app(ctx).master_key


def _describe(contact: Mapping[str, Any]) -> str:
    lines = [f"{contact['name']}  (id {contact['id']})"]
    lines += [f"  number:  {n}" for n in contact["numbers"]]
    lines += [f"  {label + ':':<8} {contact[label]}" for label in ("email", "company", "notes")
              if contact[label]]
    return "\n".join(lines)


CONTACT_COLUMNS = (Column("ID", lambda c: c["id"], right=True), Column("NAME", lambda c: c["name"]),
                   Column("NUMBERS", lambda c: c["numbers"]))
GRANT_COLUMNS = (Column("EXTENSION", lambda g: g["extension"]),
                 Column("PRIVILEGE", lambda g: g["privilege"]))
PERSONAL_COLUMNS = (Column("ID", lambda e: e.id[:8]), Column("NAME", lambda e: e.name),
                    Column("NUMBERS", lambda e: e.numbers))


@click.group("contact")
def contact_group() -> None:
    """Company contacts (admin-managed, granted to extensions) and personal contacts.

    Personal contacts belong to one extension and are encrypted under a key only the
    owner's passphrase unlocks: the admin sees a count, never a name or number, and
    'voco config export' never includes them.
    """


@contact_group.command("add")
@click.argument("name")
@click.option("--number", "numbers", multiple=True, help="A phone number (repeatable).")
@click.option("--email", default="")
@click.option("--company", "company_name", default="")
@click.option("--notes", default="")
@object_json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, numbers: tuple[str, ...], email: str,
            company_name: str, notes: str, as_json: bool) -> None:
    """Add a company contact called NAME."""
    from asterisk_bridge.contacts import company

    personal = withhold(ctx, *PERSONAL)
    fields = company.clean(name, numbers, email, company_name, notes)
    app = get_app(ctx)
    with _session(ctx) as s:
        row = company.add(s, app.master_key, fields, app.config.privacy.default_region)
        row_id, subject = row.id, row.contact_subject
    log_sealed(ctx, subject, personal)
    emit_object({"id": row_id, **fields.as_dict()}, as_json,
                lambda c: f"added contact {c['id']}: {c['name']}")


@contact_group.command("list")
@list_json_option
@click.pass_context
@oplogged_read("company contacts")
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List company contacts."""
    from asterisk_bridge.contacts import company

    with _session(ctx) as s:
        rows = [{"id": r.id, **f.as_dict()} for r, f in company.listing(s, _key(ctx))]
    read_rows(len(rows))
    emit_list(rows, as_json, CONTACT_COLUMNS, dict, "no company contacts")


@contact_group.command("show")
@click.argument("ref")
@object_json_option
@click.pass_context
@oplogged_read("company contacts")
def show_cmd(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show one company contact (REF: id or exact name)."""
    from asterisk_bridge.contacts import company

    personal = withhold(ctx, "ref")
    with _session(ctx) as s:
        row = company.find(s, _key(ctx), ref)
        contact = {"id": row.id, **company.fields_of(s, _key(ctx), row).as_dict()}
        subject = row.contact_subject
    log_sealed(ctx, subject, personal)
    read_rows(1)
    emit_object(contact, as_json, _describe)


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
    from asterisk_bridge.contacts import company

    personal = withhold(ctx, "ref", *PERSONAL)
    app = get_app(ctx)
    with _session(ctx) as s:
        row = company.find(s, app.master_key, ref)
        old = company.fields_of(s, app.master_key, row)
        fields = company.clean(
            old.name if name is None else name,
            () if clear_numbers else (numbers or old.numbers),
            old.email if email is None else email,
            old.company if company_name is None else company_name,
            old.notes if notes is None else notes,
        )
        company.update(s, app.master_key, row, fields, app.config.privacy.default_region)
        row_id, subject = row.id, row.contact_subject
    log_sealed(ctx, subject, personal)
    click.echo(f"updated contact {row_id}: {fields.name}")


@contact_group.command("remove")
@click.argument("ref")
@click.pass_context
@oplogged
def remove_cmd(ctx: click.Context, ref: str) -> None:
    """Delete a company contact (REF: id or exact name)."""
    from asterisk_bridge.contacts import company

    personal = withhold(ctx, "ref")
    with _session(ctx) as s:
        row = company.find(s, _key(ctx), ref)
        name, subject = company.fields_of(s, _key(ctx), row).name, row.contact_subject
        company.remove(s, row)
    log_sealed(ctx, subject, personal)
    click.echo(f"removed contact {name}")


@contact_group.command("grant")
@click.argument("extension")
@click.argument("privilege", type=click.Choice(PRIVILEGES))
@click.pass_context
@oplogged
def grant_cmd(ctx: click.Context, extension: str, privilege: str) -> None:
    """Let EXTENSION view or manage the company contacts (replaces an earlier grant)."""
    from asterisk_bridge.contacts import company

    with _session(ctx) as s:
        company.grant(s, extension, privilege)
    click.echo(f"extension {extension.strip()} may now {privilege} the company contacts")


@contact_group.command("revoke")
@click.argument("extension")
@click.pass_context
@oplogged
def revoke_cmd(ctx: click.Context, extension: str) -> None:
    """Take away EXTENSION's access to the company contacts."""
    from asterisk_bridge.contacts import company

    with _session(ctx) as s:
        company.revoke(s, extension)
    click.echo(f"extension {extension.strip()} no longer has access to the company contacts")


@contact_group.command("grants")
@list_json_option
@click.pass_context
def grants_cmd(ctx: click.Context, as_json: bool) -> None:
    """List which extensions may view or manage the company contacts."""
    from asterisk_bridge.contacts import company

    with _session(ctx) as s:
        held = [{"extension": ext, "privilege": priv} for ext, priv in company.grants(s).items()]
    emit_list(held, as_json, GRANT_COLUMNS, dict, "no grants")


# --- personal contacts -------------------------------------------------------------------------

def _passphrase(path: str | None, prompt: str, *, confirm: bool = False) -> str:
    """A passphrase from its own file, or typed at a hidden prompt: never a command-line value."""
    if path:
        return read_secret(path, "passphrase")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _private(ctx: click.Context, *names: str) -> None:
    """Keep a personal contact's content out of the operation log, which the admin reads."""
    for name in names:
        ctx.params.pop(name, None)


extension_option = click.option("--extension", required=True, help="The owning extension.")
passphrase_file_option = click.option(
    "--passphrase-file", type=click.Path(dir_okay=False),
    help="File holding the owner's passphrase (default: prompt with hidden input).")


@contact_group.group("personal")
def personal_group() -> None:
    """An extension's own contacts, locked with a passphrase only its owner knows.

    The first contact sets the passphrase (at least 12 characters, not the SIP secret).
    Voco never stores it: the admin can count and purge the contacts, never read them,
    and a forgotten passphrase cannot be reset. 'rewrap' changes it.
    """


@personal_group.command("add")
@extension_option
@click.argument("name")
@click.option("--number", "numbers", multiple=True, help="A phone number (repeatable).")
@click.option("--email", default="")
@click.option("--notes", default="")
@click.option("--findable", is_flag=True,
              help="Let a person's rights requests find this contact by its numbers and "
                   "e-mail: the administrator's 'voco subject find' then counts it, and "
                   "'voco subject erase' deletes it, both without reading it.")
@passphrase_file_option
@click.pass_context
@oplogged
def personal_add(ctx: click.Context, extension: str, name: str, numbers: tuple[str, ...],
                 email: str, notes: str, findable: bool, passphrase_file: str | None) -> None:
    """Add a personal contact NAME to EXTENSION's list (the first one sets the passphrase)."""
    from asterisk_bridge.contacts import findable as contact_index
    from asterisk_bridge.contacts import personal
    from asterisk_bridge.subjects.vault import SubjectVault

    _private(ctx, "name", "numbers", "email", "notes")
    fields = personal.clean(name, numbers, email, notes)
    with _session(ctx) as s:
        first = not personal.has_keyring(s, extension)
    prompt = (f"New passphrase for extension {extension}'s personal contacts" if first
              else f"Passphrase of extension {extension}'s personal contacts")
    passphrase = _passphrase(passphrase_file, prompt, confirm=first)
    app = get_app(ctx)
    with _session(ctx) as s:
        record_id = personal.add(s, app.master_key, extension, passphrase, fields)
        if findable:
            idents = contact_index.identifiers(numbers, email, app.config.privacy.default_region)
            contact_index.index(s.connection(), SubjectVault(app.master_key), record_id, idents)
    click.echo(f"added personal contact {record_id}" + (" (findable)" if findable else ""))
    if first:
        click.echo("the passphrase now locks these contacts; Voco does not keep it and "
                   "cannot reset it")


@personal_group.command("list")
@extension_option
@passphrase_file_option
@list_json_option
@click.pass_context
@oplogged_read("personal contacts")
def personal_list(ctx: click.Context, extension: str, passphrase_file: str | None,
                  as_json: bool) -> None:
    """Decrypt and list EXTENSION's personal contacts (the operation log records that and how
    many, never what)."""
    from asterisk_bridge.contacts import personal

    passphrase = _passphrase(passphrase_file, f"Passphrase of extension {extension}'s personal "
                                              "contacts")
    with _session(ctx) as s:
        found = personal.entries(s, extension, passphrase)
    read_rows(len(found))
    emit_list(found, as_json, PERSONAL_COLUMNS, lambda e: e.as_dict(), "no personal contacts")


@personal_group.command("remove")
@extension_option
@click.argument("ref")
@passphrase_file_option
@click.pass_context
@oplogged
def personal_remove(ctx: click.Context, extension: str, ref: str,
                    passphrase_file: str | None) -> None:
    """Delete one of EXTENSION's personal contacts (REF: id, id prefix or exact name)."""
    from asterisk_bridge.contacts import personal

    _private(ctx, "ref")
    passphrase = _passphrase(passphrase_file, f"Passphrase of extension {extension}'s personal "
                                              "contacts")
    with _session(ctx) as s:
        gone = personal.remove(s, extension, passphrase, ref)
    click.echo(f"removed personal contact {gone.id}")


@personal_group.command("count")
@click.argument("extension")
@object_json_option
@click.pass_context
def personal_count(ctx: click.Context, extension: str, as_json: bool) -> None:
    """How many personal contacts EXTENSION has (all an admin can learn about them)."""
    from asterisk_bridge.contacts import personal

    with _session(ctx) as s:
        n = personal.count(s, extension)
    emit_object({"extension": extension.strip(), "count": n}, as_json, lambda c: str(c["count"]))


@personal_group.command("rewrap")
@extension_option
@click.option("--old-passphrase-file", type=click.Path(dir_okay=False),
              help="File with the current passphrase (default: prompt).")
@click.option("--new-passphrase-file", type=click.Path(dir_okay=False),
              help="File with the passphrase to lock them with from now on (default: prompt).")
@click.pass_context
@oplogged
def personal_rewrap(ctx: click.Context, extension: str, old_passphrase_file: str | None,
                    new_passphrase_file: str | None) -> None:
    """Change the passphrase of EXTENSION's personal contacts (they get a fresh key).

    Contacts created before passphrases existed are locked with the extension's SIP
    secret, which the admin can read: give that as the old passphrase to move them.
    """
    from asterisk_bridge.contacts import personal

    old = _passphrase(old_passphrase_file, f"Current passphrase of extension {extension}")
    new = _passphrase(new_passphrase_file, f"New passphrase of extension {extension}",
                      confirm=True)
    with _session(ctx) as s:
        n = personal.rewrap(s, get_app(ctx).master_key, extension, old, new)
    click.echo(f"{n} personal contact(s) of extension {extension} are now locked with the new "
               "passphrase")


@personal_group.command("purge")
@click.argument("extension")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@oplogged
def personal_purge(ctx: click.Context, extension: str, yes: bool) -> None:
    """Irrecoverably delete EXTENSION's personal contacts and their key (a lost passphrase)."""
    from asterisk_bridge.contacts import personal

    if not yes:
        click.confirm(f"Delete every personal contact of extension {extension}?", abort=True)
    with _session(ctx) as s:
        n = personal.purge(s, extension)
    click.echo(f"purged {n} personal contact(s) of extension {extension}")
