"""`contest sheets SLUG [--db URL] -o OUT.pdf [--round KEY] [--by judge|entrant|blank] [--judge CODE]
[--entrant CODE] [--check DIGEST]` (registered by contest/cli/__init__.py): the printable score sheets the console
offers, from one consistent version of the contest, with a progress bar on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from contest.cli import language
from contest.cli.database import settings_for
from contest.cli.language import lang_option
from contest.language import gettext_for
from contest.scoring import ContestError
from contest.scoring.messages import Message, translated

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from contest.services.sheets import RoundSheets

Gettext = Callable[[str], str]

SHEETS_HELP = """Print score sheets (评分表) of a contest stored in the database, as one PDF.

\b
  contest sheets tea-2026 -o sheets.pdf                          # every entrant's sheet of the last round
  contest sheets tea-2026 -o judges.pdf --round operation --by judge
  contest sheets tea-2026 -o j1.pdf --round operation --judge J1
  contest sheets tea-2026 -o t03.pdf --round operation --entrant T03
  contest sheets tea-2026 -o paper.pdf --round sensory --by blank # blank sheets to judge on paper
  contest sheets tea-2026 --check 3f9a0c1e5b7d2a46                # does a printed digest match the marks now?

A judge's sheet lists every entrant the judge marked in the round with each criterion's mark and the judge's
total; an entrant's sheet every judge's marks per criterion, the values the scoring dropped in brackets, the
panel's result, the item and round totals and the rank. Each ends with lines for the judge's and the chief judge's
signatures and the date. Once the round is locked, a sheet carries the digest of the marks it shows and the
version (数据摘要 … · 版本 N); before, it says 未锁定，仅供核对. --check recomputes every locked round's digests
from the stored marks and names the sheet a digest belongs to (exit status 1 when none does).
"""


@click.command(help=SHEETS_HELP, short_help="Print score sheets (PDF) per judge or per entrant.")
@click.argument("slug")
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: CONTEST_DATABASE_URL or sqlite:///contest.db)."
)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="The PDF file to write.")
@click.option("--round", "round_key", metavar="KEY", help="The round (default: the last round with marks).")
@click.option("--by", type=click.Choice(["judge", "entrant", "blank"]), help="One sheet per judge or per entrant.")
@click.option("--judge", "judge_code", metavar="CODE", help="Only this judge's sheet.")
@click.option("--entrant", "entrant_code", metavar="CODE", help="Only this entrant's sheet.")
@click.option("--check", "digest", metavar="DIGEST", help="Check a digest printed on a sheet instead of printing.")
@click.option("--font", type=click.Path(path_type=Path, dir_okay=False), help="Your own .ttf/.otf font file.")
@lang_option("Language of the sheets' labels and messages (default: Chinese).")
def sheets(
    slug: str,
    db_url: str | None,
    output: Path | None,
    round_key: str | None,
    by: str | None,
    judge_code: str | None,
    entrant_code: str | None,
    digest: str | None,
    font: Path | None,
    lang: str | None,
) -> None:
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.exports.fonts import FontNotFound
    from contest.services import sheets as service
    from contest.services.errors import ServiceError

    language.choose(lang)
    gettext = gettext_for(language.chosen() or "zh_CN")
    if judge_code and entrant_code:
        raise ContestError(Message("--judge and --entrant: give one of them"))
    kind = by or ("judge" if judge_code else "entrant")
    if (judge_code and kind == "entrant") or (entrant_code and kind != "entrant"):
        raise ContestError(Message("--by {by}: does not go with --judge or --entrant as given", by=kind))
    if digest is None:
        if output is None:
            raise ContestError(Message("-o: name the PDF file to write (-o sheets.pdf)"))
        if output.suffix.lower() != ".pdf":
            raise ContestError(Message("-o: expected a file ending in .pdf, got {name!r}", name=output.name))
    engine = make_engine(settings_for(database_url=db_url).database_url, readonly=True)
    try:
        migrate(engine)
        db = make_sessions(engine)
        if digest is not None:
            _check(db, slug, digest, gettext)
            return
        found = service.gather(db, slug, round_key)
        chosen = service.select(found, "judge" if kind == "blank" else kind, judge_code or entrant_code)
    except ServiceError as exc:
        raise ContestError(exc.message) from None
    finally:
        engine.dispose()
    assert output is not None
    try:
        data = _with_progress(chosen, kind, font, gettext)
    except FontNotFound as exc:
        raise ContestError(Message("--font: {why}", why=str(exc))) from None
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ContestError(
            Message("{file}: cannot write the file ({why})", file=str(output), why=exc.strerror)
        ) from None
    count = len(chosen.blanks if kind == "blank" else chosen.judges if kind == "judge" else chosen.entrants)
    state = Message("digests printed") if chosen.locked else Message("not locked, for checking only")
    done = Message(
        "{file}: {count} sheets of round {round}, as of version {version} ({state})",
        file=str(output),
        count=count,
        round=chosen.round,
        version=chosen.version,
        state=state,
    )
    click.echo(translated(done, gettext), err=True)


def _check(db: sessionmaker[Session], slug: str, digest: str, gettext: Gettext) -> None:
    from contest.services import sheets as service

    found = service.check_digest(db, slug, digest)
    if not found.ok:
        message = Message(
            "{digest}: no sheet of a locked round gives this digest now (version {version})",
            digest=found.digest,
            version=found.version,
        )
        click.echo(translated(message, gettext))
        raise click.exceptions.Exit(1)
    for round_key, kind, code in found.matches:
        facts = {"digest": found.digest, "code": code, "round": round_key, "version": found.version}
        if kind == "judge":
            message = Message("{digest}: matches judge {code}'s sheet of round {round} (version {version})", **facts)
        else:
            message = Message("{digest}: matches entrant {code}'s sheet of round {round} (version {version})", **facts)
        click.echo(translated(message, gettext))


def _with_progress(chosen: RoundSheets, kind: str, font: Path | None, gettext: Gettext) -> bytes:
    """The PDF, with a rich progress bar on a terminal (on standard error; nothing when not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from contest.exports.sheets import sheets_pdf

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    title = translated(Message("Writing score sheets"), gettext)
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as bar:
        task = bar.add_task(str(title), total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return sheets_pdf(
            chosen,
            "judge" if kind == "blank" else kind,
            blank=kind == "blank",
            font=font,
            gettext=gettext,
            progress=step,
        )
