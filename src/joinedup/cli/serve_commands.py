"""`joinedup serve` and `joinedup apikey ...`: the API, and the keys systems use to call it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ._common import DatabaseUrlOption, ExitCode, console, fail, open_database, settings_for

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


def serve(database_url: DatabaseUrlOption = None, host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the API (and, as later capabilities land, the staff dashboard) until interrupted."""
    from joinedup.api import run
    from joinedup.linkage._search_index import fill_if_empty

    settings = settings_for(database_url)
    database = open_database(settings)  # migrate first, so a new database serves at once
    try:
        if indexed := fill_if_empty(database):  # migrated to 0009 since the last bulk run: search needs the index
            console.print(f"Search index filled: {indexed:,} residents.")
    finally:
        database.dispose()
    console.print(f"Serving on http://{host}:{port} (API docs at http://{host}:{port}/api/v1/docs). Ctrl+C stops.")
    if settings.dev_tokens and settings.environment != "production":
        _print_dev_users(host, port)
    run(settings, host=host, port=port)


def _print_dev_users(host: str, port: int) -> None:
    from joinedup.api import DEV_USERS

    table = Table("development user", "organisation", "roles", title="Sign in as (development mode only)")
    for user in DEV_USERS:
        table.add_row(user.username, user.organisation or "", ", ".join(user.roles))
    console.print(table)
    console.print(
        f"A token: curl -s -X POST http://{host}:{port}/api/v1/dev/token -H 'Content-Type: application/json' "
        """-d '{"username": "social-worker"}'""",
        markup=False,
        soft_wrap=True,
    )


apikey_app = typer.Typer(help="API keys for the systems that call joinedup.")


@apikey_app.command("issue")
def issue(
    system: Annotated[str, typer.Argument(help="Code of the system the key is for.")],
    label: Annotated[str | None, typer.Option(help="A note to tell keys apart.")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Issue a key for a system. The key is shown once; only its hash is kept."""
    from joinedup.store.api_keys import ApiKeyRepository

    database = open_database(settings_for(database_url))
    issued = ApiKeyRepository(database).issue(system, label)
    console.print(f"Key {issued.id} for {system} (keep it now, it will not be shown again):")
    console.print(issued.plaintext, markup=False, soft_wrap=True)


@apikey_app.command("list")
def list_keys(database_url: DatabaseUrlOption = None) -> None:
    """List keys (ids, systems, prefixes, whether revoked), never the keys themselves."""
    from joinedup.store.api_keys import ApiKeyRepository

    database = open_database(settings_for(database_url))
    table = Table("id", "system", "prefix", "label", "created", "revoked")
    for key in ApiKeyRepository(database).list():
        table.add_row(
            str(key.id),
            key.system,
            key.prefix,
            key.label or "",
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    console.print(table)


@apikey_app.command("revoke")
def revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (from `joinedup apikey list`).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke a key: calls made with it are refused from now on."""
    from joinedup.store.api_keys import ApiKeyRepository

    database = open_database(settings_for(database_url))
    if not ApiKeyRepository(database).revoke(key_id):
        fail(f"there is no active key with id {key_id}", ExitCode.INVALID_INPUT)
    console.print(f"Key {key_id} revoked.")
