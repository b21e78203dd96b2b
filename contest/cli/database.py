"""What the commands that work on a database share: the --db option, the settings it makes, the database opened
(migrated) for one command, and a URL as printed (its password left out)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from contest.scoring import ContestError
from contest.settings import Settings

EXIT_INVALID = 2
EXIT_FAILED = 1

DB_OPTION = click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: CONTEST_DATABASE_URL or sqlite:///contest.db)."
)


def settings_for(**overrides: object) -> Settings:
    """The settings from the environment (CONTEST_*), with what the command line gave instead."""
    try:
        return Settings.from_env(None, **overrides)
    except ValueError as exc:
        raise ContestError(str(exc)) from None


@contextmanager
def database(settings: Settings, *, readonly: bool = False) -> Iterator[sessionmaker[Session]]:
    """The database, migrated; a refusal of the services becomes one line and exit status 1. `readonly`: a reader
    (judges keep scoring while it runs)."""
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.services.errors import ServiceError

    engine = make_engine(settings.database_url, readonly=readonly)
    try:
        migrate(engine)
        yield make_sessions(engine)
    except ServiceError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    finally:
        engine.dispose()


def shown_url(url: str) -> str:
    """A database URL as printed: without its password."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…@{rest.split('@', 1)[1]}" if "@" in rest else url
