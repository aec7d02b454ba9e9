"""``voco config``: export the provisioned state to a file, and import one declaratively."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from asterisk_bridge.config import read_secret
from asterisk_bridge.errors import ConfigError, ValidationError
from asterisk_bridge.safewrite import write_private
from cli.common import get_app, oplogged
from cli.output import dumps, object_json_option


@click.group("config")
def config_group() -> None:
    """Export the provisioned state to a file, or make the store match one.

    Covers extensions, trunks, routes, speed dials, conferences, queues, company contacts and
    their grants. Personal contacts are never exported: the admin cannot read them.
    """


@config_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (mode 0600) instead of standard output.")
@click.option("--include-secrets", is_flag=True,
              help="Include SIP secrets, trunk passwords and PINs; needs encryption.")
@click.option("--age-recipient", "recipients", multiple=True,
              help="Encrypt to this age X25519 recipient (age1...; repeatable).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False),
              help="Encrypt with the passphrase in this file (age scrypt).")
@click.pass_context
@oplogged
def export_cmd(ctx: click.Context, output: Path | None, include_secrets: bool,
               recipients: tuple[str, ...], passphrase_file: str | None) -> None:
    """Write the provisioned state as TOML, age-encrypted if asked (always with secrets)."""
    from asterisk_bridge.configio import schema
    from asterisk_bridge.configio.export import export_text

    encrypt = bool(recipients or passphrase_file)
    if include_secrets and not encrypt:
        raise ValidationError("include-secrets: secrets are only exported encrypted; add "
                              "--age-recipient age1... or --passphrase-file FILE")
    if recipients and passphrase_file:
        raise ValidationError("passphrase-file: use either --age-recipient or --passphrase-file")
    app = get_app(ctx)
    text = export_text(app.engine, app.master_key, include_secrets)
    passphrase = read_secret(passphrase_file, "export passphrase") if passphrase_file else None
    data = schema.encrypt(text, recipients, passphrase) if encrypt else text.encode()
    if output is None:
        click.echo(data.decode(), nl=False)
    else:
        write_private(output, data)
        click.echo(f"exported to {output}" + (" (age-encrypted)" if encrypt else ""), err=True)


@config_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--identity", "-i", "identities", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="age identity file to decrypt an encrypted export (repeatable).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False),
              help="File with the passphrase of an encrypted export.")
@object_json_option
@click.pass_context
@oplogged
def import_cmd(ctx: click.Context, file: Path, dry_run: bool, identities: tuple[Path, ...],
               passphrase_file: str | None, as_json: bool) -> None:
    """Make the store match FILE: shows the adds, changes and removals, then applies them.

    A kind of record the file leaves out is not touched. A secret the file leaves out is kept
    (a new extension gets a generated one, shown once). Then run 'voco apply'.
    """
    from asterisk_bridge.configio import schema
    from asterisk_bridge.configio.import_ import import_text

    app = get_app(ctx)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
    ctx.params["sha256"] = hashlib.sha256(data).hexdigest()  # logged: which file was applied
    if schema.is_encrypted(data):
        passphrase = read_secret(passphrase_file, "import passphrase") if passphrase_file else None
        keys = [read_secret(str(p), "age identity") for p in identities]
        text = schema.decrypt(data, keys, passphrase)
    else:
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ValidationError(f"{file}: neither UTF-8 text nor an age-encrypted file") \
                from None
    plan = import_text(app.engine, app.master_key, text, dry_run=dry_run, source=str(file))
    ctx.params["changes"] = plan.counts()
    if as_json:
        click.echo(dumps({"dry_run": dry_run, "changes": plan.listing(),
                          "notices": plan.notices}))
        return
    click.echo(plan.render())
    if dry_run:
        click.echo("dry run: nothing changed")
        return
    for notice in plan.notices:
        click.echo(notice)
    if plan.changes:
        click.echo("imported; run 'voco apply' to render and load the new configuration")
