"""Commands on a venue's database: `contest load`, `contest verify`, `contest demo` and `contest backup`."""

from __future__ import annotations

from pathlib import Path

import click

from contest.cli import language
from contest.cli.database import DB_OPTION, EXIT_FAILED, settings_for, shown_url
from contest.cli.language import lang_option
from contest.cli.serve import serve
from contest.language import environment_locale, gettext_for
from contest.scoring import ContestError
from contest.scoring.messages import translated
from contest.settings import lan_address


@click.command(short_help="Put a contest, its entrants and marks into the database.")
@click.argument("contest_file", metavar="CONTEST.toml", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--entrants", "entrants_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--marks", "marks_file", type=click.Path(path_type=Path, dir_okay=False))
@DB_OPTION
def load(contest_file: Path, entrants_file: Path | None, marks_file: Path | None, db_url: str | None) -> None:
    """Load a contest file, entrants (CSV/XLSX) and marks (CSV, e.g. typed in from paper sheets) as if entered
    through the API, with the same checks. Running it again stores nothing twice."""
    from contest.loading import load_files

    settings = settings_for(database_url=db_url)
    report = load_files(settings.database_url, contest_file, entrants_file, marks_file)
    for line in report:
        click.echo(line)


@click.command(short_help="Check every standing of a contest against a fresh computation.")
@click.argument("slug")
@DB_OPTION
@lang_option("Language of the report (default: Chinese when LC_ALL, LC_MESSAGES or LANG is zh_*, else English).")
def verify(slug: str, db_url: str | None, lang: str | None) -> None:
    """Recompute every standing of the contest (every round, every group, the frozen boards) from the stored
    marks and compare it with what the server shows: the boards built as a server builds them, loaded at once and
    replayed from the change log one change at a time. Exit status 0 when all agree, 1 with each difference
    listed (round, group, entrant, field, shown and fresh value)."""
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.services import verify as checking
    from contest.services.errors import ServiceError

    language.choose(lang)
    gettext = language.gettext()
    settings = settings_for(database_url=db_url)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        found = checking.verify_contest(make_sessions(engine), slug)
    except ServiceError as exc:
        raise ContestError(exc.message) from None
    finally:
        engine.dispose()
    click.echo(translated(found.summary(), gettext))
    for difference in found.differences:
        click.echo("  " + translated(difference.message(), gettext))
    if not found.agree:
        raise click.exceptions.Exit(EXIT_FAILED)


@click.command(short_help="A ready venue: fixture contests, judges and links, then serve.")
@click.option("--db", "db_url", metavar="URL", default="sqlite:///contest-demo.db", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to let tablets on the Wi-Fi in.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the database and print the links, but do not serve.")
def demo(db_url: str, host: str, port: int, no_serve: bool) -> None:
    """Load the fixture contests (tea-making with its sensory round left for the judges to score, livestream
    selling, information writing, diving), create judges, a chief judge and tokens, and serve. For every contest
    it prints the venue screen, phone and control links and each judge's and the chief judge's login link, with
    QR codes for a tea judge's tablet and for the phones. Run it again to get fresh links; nothing is loaded
    twice."""
    import segno

    from contest.demo import LIVE, links, prepare

    settings = settings_for(database_url=db_url, host=host, port=port)
    if host in ("0.0.0.0", "::") and not settings.public_url and lan_address() is None:
        click.echo("warning: no network address found; set CONTEST_PUBLIC_URL for the QR codes", err=True)
    venue = prepare(settings.database_url)
    base = settings.base_url
    click.echo(f"\ncontest demo — {base}  (database {shown_url(settings.database_url)})\n")
    for line in links(venue, base):
        click.echo(line)
    first = next(((c, p) for s, c, p, _ in venue.judges if s == LIVE and c == venue.scorer), None)
    if first is not None:
        click.echo(f"\nscan to score as {first[0]} on a tablet:")
        segno.make(f"{base}{first[1]}", error="m").terminal(compact=True)
    phones = f"{base}/live/{venue.slugs[0]}"
    click.echo(f"\nscan to follow {venue.slugs[0]} on a phone ({phones}):")
    segno.make(phones, error="m").terminal(compact=True)
    if not no_serve:
        serve.callback(settings.database_url, None, host, port, None)  # type: ignore[misc]


@click.command(short_help="Copy the database while the server runs.")
@DB_OPTION
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The backup file (default: NAME-YYYYMMDD-HHMMSS.db, or contest-….dump for PostgreSQL).",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def backup(db_url: str | None, output: Path | None, force: bool) -> None:
    """Back up the database while the server runs and judges score. SQLite: a consistent copy of every page
    through SQLite's online backup API (marks acknowledged before it began are in it), checked with
    PRAGMA integrity_check, one self-contained file. PostgreSQL: runs pg_dump --format=custom when installed.
    Restore (README, Deploying): stop the server, put the copy in place of the database file (and remove its
    -wal and -shm files), start it again."""
    from contest.backup import backup as take_backup

    settings = settings_for(database_url=db_url)
    done = take_backup(settings.database_url, output, force=force)
    click.echo(translated(done.summary(), gettext_for(environment_locale())))
