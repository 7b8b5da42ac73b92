"""The `dermaga` command: serve, demo, migrate, export-schema, create-user."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer
from rich.console import Console

from dermaga.database import create_engine, database_url
from dermaga.logging import configure_logging
from dermaga.migrate import upgrade
from dermaga.schema import SCHEMA_FILE, export_schema
from dermaga.settings import ConfigurationError, get_settings
from domain.errors import DomainError
from domain.models.identity import OrganisationKind, Role
from domain.services import identity, tariffs
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

app = typer.Typer(
    help="Dermaga: the port import-service portal backend.", no_args_is_help=True
)
console = Console(stderr=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port; more than one needs "
        "DERMAGA_DATABASE_URL and a shared DERMAGA_BROADCAST_URL.",
    ),
) -> None:
    """Serve the GraphQL API (migrating the database first)."""
    from dermaga.server import serve as run

    try:
        run(get_settings(), host, port, workers=workers)
    except ConfigurationError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Migrate, seed a port in every stage, run its simulators and serve it."""
    from dermaga.demo import demo_password
    from dermaga.demo_run import run_demo

    settings = get_settings()
    # The demo talks to its visitor; the log says only what went wrong.
    if "DERMAGA_LOG_LEVEL" not in os.environ:
        settings = settings.model_copy(update={"log_level": "WARNING"})
    password = demo_password(settings.data_dir)
    asyncio.run(run_demo(settings, host, port, password, Console()))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)

    async def run(url: str) -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    with database_url(settings.database_url, settings.data_dir) as url:
        asyncio.run(run(url))
    console.print("[green]database is up to date[/]")


@app.command("seed-tariffs")
def seed_tariffs() -> None:
    """Store the published Tanjung Priok tariff versions (again: no change)."""
    settings = get_settings()
    configure_logging(log_format=settings.log_format, level="WARNING")

    async def run(url: str) -> list[str]:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with Database(engine).transaction(SYSTEM) as session:
                return [row.code for row in await tariffs.seed_published(session)]
        finally:
            await engine.dispose()

    with database_url(settings.database_url, settings.data_dir) as url:
        codes = asyncio.run(run(url))
    console.print(f"[green]tariff versions stored[/]: {', '.join(codes)}")


@app.command("fetch-graphiql")
def fetch_graphiql() -> None:
    """Store GraphiQL's scripts from the npm registry, for hosts without unpkg.com."""
    from dermaga.demo_run import fetch_ide_assets

    settings = get_settings()
    # Its warnings go where its other output goes: standard error.
    configure_logging(log_format=settings.log_format, level="WARNING")
    if not asyncio.run(fetch_ide_assets(settings, console)):
        raise typer.Exit(1)


@app.command("export-schema")
def export_schema_command(
    output: Path = typer.Option(SCHEMA_FILE, help="Where to write the SDL."),
) -> None:
    """Write the GraphQL schema (SDL) that clients are generated from."""
    output.write_text(export_schema(get_settings()))
    console.print(f"wrote {output}")


@app.command("check-schema")
def check_schema(
    base: str = typer.Option("HEAD~1", help="The revision to compare with."),
) -> None:
    """Fail on a breaking change to schema.graphql since `base`, unless intended.

    A commit message containing [breaking-schema] marks a break as intended.
    """
    from dermaga.schema_compat import against_revision

    verdict = against_revision(SCHEMA_FILE.parent, SCHEMA_FILE, base)
    if verdict is None:
        console.print(f"no schema.graphql at {base}: nothing to compare")
        return
    for change in verdict.dangerous:
        console.print(f"[yellow]dangerous[/]: {change}")
    for change in verdict.breaking:
        console.print(f"[red]breaking[/]: {change}")
    if not verdict.ok:
        console.print("breaking changes: say [breaking-schema] in the commit message")
        raise typer.Exit(1)
    console.print(f"schema.graphql: no unintended breaking change since {base}")


@app.command("create-user")
def create_user(
    email: str = typer.Option(..., help="Sign-in address."),
    name: str = typer.Option(..., help="The person's full name."),
    organisation: str = typer.Option(..., help="Organisation name (made if new)."),
    kind: OrganisationKind = typer.Option(OrganisationKind.IMPORTER, help="Its kind."),
    npwp: str | None = typer.Option(None, help="The organisation's NPWP, if new."),
    role: list[Role] = typer.Option([Role.CUSTOMER], help="Roles (repeatable)."),
    password: str | None = typer.Option(
        None, help="Password; else $DERMAGA_NEW_USER_PASSWORD, else prompted."
    ),
) -> None:
    """Create a user (and its organisation if it does not exist yet)."""
    settings = get_settings()
    configure_logging(log_format=settings.log_format, level="WARNING")
    secret = (
        password
        or os.environ.get("DERMAGA_NEW_USER_PASSWORD")
        or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )

    async def run(url: str) -> str:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with Database(engine).transaction(SYSTEM) as session:
                org = await identity.find_or_create_organisation(
                    session, name=organisation, kind=kind, npwp=npwp
                )
                user = await identity.create_user(
                    session,
                    organisation_id=org.id,
                    email=email,
                    full_name=name,
                    password=secret,
                    roles=frozenset(role),
                )
                return str(user.id)
        finally:
            await engine.dispose()

    with database_url(settings.database_url, settings.data_dir) as url:
        try:
            user_id = asyncio.run(run(url))
        except DomainError as error:
            console.print(f"[red]{error.code}[/]: {error.message}")
            raise typer.Exit(1) from error
    console.print(f"[green]created user[/] {email} ({user_id})")


if __name__ == "__main__":
    app()
