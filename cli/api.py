"""``voco api``: the REST API for third parties (off until enabled) and its tokens."""

from __future__ import annotations

import click

from asterisk_bridge.api.scopes import DEFAULT_RATE, SCOPES
from cli.common import config_file, get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("api")
def api_group() -> None:
    """The REST API (CDRs, calls, recordings) for an authorised party; off by default.

    'voco api enable' opens it (loopback unless --bind says otherwise, and then only with TLS);
    'voco api serve' runs it. Each party gets its own token ('voco api token add': scopes, the
    addresses it may come from, an expiry); tokens are listed and revoked with 'voco grants'.
    The OpenAPI document is served at /openapi.json."""


@api_group.command("enable")
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8380, show_default=True)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False),
              help="Certificate (PEM); required off loopback.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False),
              help="Its private key (PEM).")
@click.pass_context
@oplogged
def enable_cmd(ctx: click.Context, bind: str, port: int, tls_cert: str | None,
               tls_key: str | None) -> None:
    """Turn the API on (takes effect when 'voco api serve' starts)."""
    from dataclasses import replace

    from asterisk_bridge.api.server import check_settings
    from asterisk_bridge.config import ApiSettings, write_config
    from asterisk_bridge.provisioning import validate

    cfg = get_app(ctx).config
    api = ApiSettings(enabled=True, bind=validate.ip_address(bind, "bind"), port=port,
                      tls_cert=tls_cert or "", tls_key=tls_key or "")
    check_settings(api)
    write_config(replace(cfg, api=api))
    click.echo(f"API enabled on {api.bind}:{api.port}{' with TLS' if api.tls_cert else ''}; "
               "start it with 'voco api serve'")


@api_group.command("disable")
@click.pass_context
@oplogged
def disable_cmd(ctx: click.Context) -> None:
    """Turn the API off ('voco api serve' refuses to start; stop a running one)."""
    from dataclasses import replace

    from asterisk_bridge.config import write_config

    cfg = get_app(ctx).config
    write_config(replace(cfg, api=replace(cfg.api, enabled=False)))
    click.echo("API disabled")


@api_group.command("serve")
@click.pass_context
def serve_cmd(ctx: click.Context) -> None:
    """Run the API (uvicorn) in the foreground; refuses while it is disabled."""
    from asterisk_bridge.api.server import serve

    click.echo(f"serving the API for {config_file(ctx)}", err=True)
    serve(get_app(ctx))


@api_group.group("token")
def token_group() -> None:
    """API tokens (each one a grant: 'voco grants list' shows them, 'voco grants revoke'
    ends one at once)."""


@token_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Who the token is for.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
              help="What it may do (repeatable).")
@click.option("--permit", multiple=True, required=True,
              help="An address or network it may be used from (repeatable).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time it works; default: until revoked.")
@click.option("--age-recipient", help="Recording audio is only ever handed out encrypted to "
              "this age (age1…) or SSH public key.")
@click.option("--rate", type=int, default=DEFAULT_RATE, show_default=True,
              help="Requests per minute.")
@object_json_option
@click.pass_context
@oplogged
def token_add_cmd(ctx: click.Context, name: str, party: str, scopes: tuple[str, ...],
                  permit: tuple[str, ...], until: str | None, age_recipient: str | None,
                  rate: int, as_json: bool) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    from asterisk_bridge.api.tokens import issue
    from asterisk_bridge.grants import register as grants
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    with app.engine.begin() as conn:
        grant_id, token = issue(conn, name, party, scopes, permit, until, current_actor(),
                                age_recipient=age_recipient, rate=rate)
        shown = grants.view(grants.get(conn, grant_id)).as_dict()
    if as_json:
        emit_object({**shown, "token": token}, True)
    else:
        click.echo(f"grant {grant_id}: token {name} for {party}")
        click.echo(f"token (shown once, stored only as a hash): {token}")
