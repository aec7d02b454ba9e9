"""``voco init``."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import config_file


@click.command("init")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the database, keys and encrypted files live "
                   "(default: a 'data' directory beside the config file).")
@click.option("--db", "db_url", default=None,
              help="Database URL (default: SQLite in the data directory); "
                   "e.g. postgresql+psycopg://voco@127.0.0.1:5432/voco")
@click.pass_context
def init_cmd(ctx: click.Context, data_dir: str | None, db_url: str | None) -> None:
    """Create the config file, data directory, master key and database."""
    from asterisk_bridge.services.init import initialise

    path = config_file(ctx)
    data = Path(data_dir) if data_dir else path.parent / "data"
    cfg = initialise(path, data, db_url)
    click.echo(f"config:     {cfg.path}")
    click.echo(f"data dir:   {cfg.data_dir}")
    click.echo(f"master key: {cfg.master_key_file} (mode 0600; back it up offline, with "
               f"{cfg.oplog_anchor.name} beside it)")
    click.echo("database:   migrated to the newest schema")
