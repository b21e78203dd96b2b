"""`contest export SLUG [--db URL] [-o OUT.(xlsx|csv)|DIR] [--round KEY] [--lang zh-CN|en]` (registered by
contest/cli/__init__.py): the results workbook or the results CSV the console offers, from one consistent version of the
standings, named after it (``tea-2026-v123.xlsx``), with a progress bar on a terminal (a plain line otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from contest.cli import language
from contest.cli.database import settings_for
from contest.cli.language import lang_option
from contest.language import environment_locale, gettext_for
from contest.scoring import ContestError
from contest.scoring.messages import Message, translated

if TYPE_CHECKING:
    from contest.services.snapshot import Snapshot

SUFFIXES = (".xlsx", ".csv")

EXPORT_HELP = """Export the results of a contest stored in the database.

\b
  contest export tea-2026                          # ./tea-2026-v123.xlsx (123: the version shown)
  contest export tea-2026 -o results/              # results/tea-2026-v123.xlsx
  contest export tea-2026 -o results.xlsx --lang en
  contest export tea-2026 -o final.csv             # the final standing, CSV (UTF-8 with BOM, for Excel)
  contest export tea-2026 -o operation.csv --round operation

The workbook (xlsx) has an info sheet naming the version of the standings it shows, the final standing, each
round's and each group's standing, every judge's marks, judge consistency and the audit history of every mark.
A CSV holds one standing: the final one, or the round given with --round. Headers are in Chinese with
--lang zh-CN (the default when LC_ALL, LC_MESSAGES or LANG is zh_*), else in English.
"""


@click.command(help=EXPORT_HELP, short_help="Export results: the workbook (xlsx) or a standing (csv).")
@click.argument("slug")
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: CONTEST_DATABASE_URL or sqlite:///contest.db)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A .xlsx or .csv file, or a directory to write SLUG-vN.xlsx into (default: the current directory).",
)
@click.option("--round", "round_key", metavar="KEY", help="The round whose standing a CSV holds (default: the last).")
@lang_option("Language of the headers and messages (default: Chinese when LC_ALL, LC_MESSAGES or LANG is zh_*).")
def export(slug: str, db_url: str | None, output: Path | None, round_key: str | None, lang: str | None) -> None:

    language.choose(lang)
    locale = language.chosen() or environment_locale()
    gettext = gettext_for(locale)
    directory = output if output is not None and (output.is_dir() or output.suffix == "") else None
    if output is not None and directory is None and output.suffix.lower() not in SUFFIXES:
        message = Message("-o: expected a file ending in .xlsx or .csv, or a directory, got {name!r}", name=output.name)
        raise ContestError(message)
    if directory is not None and not directory.is_dir():
        raise ContestError(Message("-o: no directory {name!r}", name=str(directory)))
    if output is not None and directory is None and not output.parent.is_dir():
        raise ContestError(Message("-o: no directory {name!r}", name=str(output.parent)))
    csv_out = output is not None and directory is None and output.suffix.lower() == ".csv"
    if round_key is not None and not csv_out:
        raise ContestError(Message("--round: a round is chosen for a CSV file only (-o NAME.csv)"))
    snapshot = _read(settings_for(database_url=db_url).database_url, slug)
    definition = snapshot.definition
    if round_key is not None and not definition.has_round(round_key):
        rounds = ", ".join(r.key for r in definition.rounds)
        raise ContestError(Message("--round: no round {round!r}; rounds: {rounds}", round=round_key, rounds=rounds))
    if output is None or directory is not None:
        target = (directory or Path(".")) / snapshot.file_name("xlsx")
    else:
        target = output
    from contest.exports import workbook

    if csv_out:
        count = workbook.write_csv_file(snapshot, target, locale, round_key)
        done = Message(
            "{file}: {count} entrants, as of version {version}", file=str(target), count=count, version=snapshot.version
        )
    else:
        sheets = _with_progress(snapshot, target, locale, translated(Message("Writing the workbook"), gettext))
        done = Message(
            "{file}: {count} sheets, as of version {version}",
            file=str(target),
            count=len(sheets),
            version=snapshot.version,
        )
    click.echo(translated(done, gettext), err=True)


def _read(url: str, slug: str) -> Snapshot:
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.services import snapshot
    from contest.services.errors import ServiceError

    engine = make_engine(url, readonly=True)  # a reader: judges keep scoring while the export runs
    try:
        migrate(engine)
        return snapshot.read(make_sessions(engine), slug)
    except ServiceError as exc:
        raise ContestError(exc.message) from None
    finally:
        engine.dispose()


def _with_progress(snapshot: Snapshot, target: Path, locale: str, title: str) -> list[str]:
    """The workbook, with a rich progress bar on a terminal (on standard error; nothing when not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from contest.exports import workbook

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[sheet]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as bar:
        task = bar.add_task(title, total=None, sheet="")

        def step(sheet: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, sheet=sheet)

        return workbook.write_workbook(snapshot, target, locale, progress=step)
