"""`arena …` commands. Help texts are the documentation; user mistakes exit non-zero with one
sentence, never a traceback."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys

import click

from arena.config import SETTINGS, load_settings
from arena.package_data import dashboard_app


class ArenaGroup(click.Group):
    """The one place where a failure a user can fix (`arena.bootstrap.user_message`: a bad
    input, an unknown organization, an unreachable database) becomes one sentence on stderr
    and a non-zero exit; anything else is a defect and keeps its traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as error:
            from arena.bootstrap import user_message

            message = user_message(error)
            if message is None:
                raise
            raise click.ClickException(message) from error


class LazyArenaGroup(ArenaGroup):
    """Sub-commands in their own modules, imported only when used: `arena import` must not pay
    for loading the pricing models."""

    lazy_commands: dict[str, str] = {
        "inspect": "arena.commands.imports:inspect_command",
        "import": "arena.commands.imports:import_group",
        "price": "arena.commands.price:price",
        "demo": "arena.commands.demo:demo_command",
        "profiles": "arena.commands.profiles:profiles_group",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._available()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self._available():
            module_name, attribute = self.lazy_commands[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)

    def _available(self) -> list[str]:
        return [
            name
            for name, target in self.lazy_commands.items()
            if importlib.util.find_spec(target.split(":")[0]) is not None
        ]


@click.group(cls=LazyArenaGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arena")
def cli() -> None:
    """Arena: ticketing intelligence for venues. Import exports, explore audiences, price events."""


@cli.group(cls=ArenaGroup)
def db() -> None:
    """Manage the relational database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the database named by ARENA_DATABASE_URL (SQLite file by default)."""
    settings = load_settings()
    from arena.storage.db import upgrade_database

    upgrade_database(settings.database_url, revision)
    click.echo(f"Database at revision {revision}: {_redacted(settings.database_url)}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the configured database."""
    from arena.storage.db import current_revision

    services = build_services()
    click.echo(current_revision(services.engine) or "empty (run `arena db upgrade`)")


@cli.command("settings")
def settings_command() -> None:
    """List every ARENA_* setting with its current value and what it is for (passwords in
    URL settings are shown as ***)."""
    from arena.crm.prospection.smtp_config import redact_url

    for setting in SETTINGS:
        value = redact_url(os.environ.get(setting.env) or setting.default or "(unset)")
        click.echo(f"{setting.env}={value}\n    {setting.help}")


@cli.command("run", context_settings={"ignore_unknown_options": True})
@click.option("--port", default=8501, show_default=True, help="HTTP port of the dashboard.")
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED)
def run_command(port: int, streamlit_args: tuple[str, ...]) -> None:
    """Launch the dashboard (Streamlit). On an empty embedded database the demo loads first."""
    services = build_services()
    services.upgrade_schema()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(dashboard_app()),
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        *streamlit_args,
    ]
    raise SystemExit(subprocess.call(command))


@cli.group(cls=ArenaGroup)
def users() -> None:
    """Dashboard logins: users belong to organizations and only ever see those."""


@users.command("add")
@click.argument("username")
@click.option("--org", "orgs", multiple=True, required=True,
              help="Organization slug (repeatable).")
@click.option("--admin", is_flag=True, help="May manage imports of its organizations.")
@click.password_option(help="Password (asked when omitted); at least 8 characters.")
def users_add(username: str, orgs: tuple[str, ...], admin: bool, password: str) -> None:
    """Create a dashboard user belonging to one or more organizations."""
    from arena.storage.accounts import add_user

    services = build_services()
    services.upgrade_schema()
    add_user(services.engine, username, password, list(orgs), is_admin=admin)
    click.echo(f"User '{username}' can now log in and see: {', '.join(orgs)}")


@cli.group(cls=ArenaGroup)
def orgs() -> None:
    """Organizations (clubs, venues, promoters): each one's data is invisible to the others."""


@orgs.command("add")
@click.argument("slug")
@click.option("--name", help="Display name (defaults to the slug).")
def orgs_add(slug: str, name: str | None) -> None:
    """Create an organization (slug: lower-case letters, digits and dashes)."""
    from arena.storage.accounts import add_organization

    services = build_services()
    services.upgrade_schema()
    org = add_organization(services.engine, slug, name)
    click.echo(f"Organization '{org.slug}' ({org.name}) is ready.")


@orgs.command("list")
def orgs_list() -> None:
    """List organizations."""
    from arena.storage.accounts import list_organizations

    services = build_services()
    for org in list_organizations(services.engine):
        click.echo(f"{org.slug}\t{org.name}")




def build_services():  # type: ignore[no-untyped-def]
    """The composition root, imported when a command needs storage (keeps --help fast)."""
    from arena.bootstrap import build_services as build

    return build()


def _redacted(url: str) -> str:
    from arena.storage.db import redacted_url

    return redacted_url(url)


def main() -> None:
    cli(prog_name="arena")


if __name__ == "__main__":
    main()
