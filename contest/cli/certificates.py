"""`contest certificates SLUG [--db URL] [-o OUT.pdf] [--font FILE] [--background IMG] [--all] [--issuer TEXT]
[--date YYYY-MM-DD] [--url BASE] [--lang zh-CN|en]` (registered by contest/cli/__init__.py): the certificates the
console offers, from the command line, with a progress bar on a terminal.
"""

from __future__ import annotations

from datetime import date
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
    from contest.exports.certificates import Gettext
    from contest.services.serials import Issue

CERTIFICATES_HELP = """Certificates (荣誉证书) of a contest stored in the database, one A4 page each, in one PDF.

\b
  contest certificates tea-2026 --issuer 旺苍县总工会                # ./tea-2026-certificates-v123.pdf
  contest certificates tea-2026 -o certs.pdf --all                  # everyone who took part
  contest certificates tea-2026 -o certs.pdf --font 楷体.ttf --background frame.png

The award winners of the final standing get one each (--all: every entrant with a mark; those without an award
get a certificate of participation). The final round must be locked. Each certificate carries a signed serial
and a QR code that opens /verify/SERIAL on this server (CONTEST_PUBLIC_URL, or --url): a changed or invented
serial is refused there, and a certificate whose award a later correction changed is shown as such.
"""


@click.command(help=CERTIFICATES_HELP, short_help="Certificates of the award winners (PDF).")
@click.argument("slug")
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: CONTEST_DATABASE_URL or sqlite:///contest.db)."
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="The PDF file (default: SLUG-certificates-vN.pdf)."
)
@click.option(
    "--font", type=click.Path(path_type=Path), help="A .ttf/.otf/.ttc font of your own (default: Noto Serif SC)."
)
@click.option("--background", type=click.Path(path_type=Path), help="A PNG or JPEG filling each A4 landscape page.")
@click.option("--all", "everyone", is_flag=True, help="Everyone who took part, not only the award winners.")
@click.option("--issuer", default="", help="The issuing body printed on each certificate (default: 组委会).")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The date of issue (default: today).")
@click.option("--url", "base_url", metavar="URL", help="Where /verify is reached (default: CONTEST_PUBLIC_URL).")
@lang_option("Language of the certificates (default: Chinese) and of the messages (default: from LANG).")
def certificates(
    slug: str,
    db_url: str | None,
    output: Path | None,
    font: Path | None,
    background: Path | None,
    everyone: bool,
    issuer: str,
    day: str | None,
    base_url: str | None,
    lang: str | None,
) -> None:
    from contest.exports.certificates import CertificateError, check_background, check_font

    language.choose(lang)
    locale = language.chosen() or "zh_CN"  # certificates are Chinese unless asked for English
    gettext = gettext_for(locale)
    if output is not None and output.suffix.lower() != ".pdf":
        raise ContestError(Message("-o: expected a file ending in .pdf, got {name!r}", name=output.name))
    if output is not None and not output.parent.is_dir():
        raise ContestError(Message("-o: no directory {name!r}", name=str(output.parent)))
    issued = _date(day)
    issuer = issuer.strip() or gettext("Organizing Committee")
    if len(issuer) > 200:
        raise ContestError(Message("--issuer: at most {count} characters", count=200))
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ContestError(Message("--url: expected an address starting with http:// or https://"))
    try:
        check_font(font)
        check_background(background)
    except CertificateError as exc:
        raise ContestError(Message("--{field}: {message}", field=exc.field, message=exc.message)) from None
    settings = settings_for(database_url=db_url)
    found = _issue(settings.database_url, slug, everyone, issued)
    if not found.holders:
        raise ContestError(Message("nobody to give a certificate to: no award in the final standing (try --all)"))
    target = output or Path(f"{slug}-certificates-v{found.version}.pdf")
    title = translated(Message("Writing the certificates"), gettext)
    try:
        count = _with_progress(found, target, title, base_url or settings.base_url, issuer, gettext, font, background)
    except CertificateError as exc:
        raise ContestError(Message("--{field}: {message}", field=exc.field, message=exc.message)) from None
    done = Message(
        "{file}: {count} certificates, as of version {version}", file=str(target), count=count, version=found.version
    )
    click.echo(translated(done, gettext), err=True)


def _date(raw: str | None) -> date:
    if raw is None:
        return date.today()
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ContestError(Message("--date: expected a date like 2026-05-20, got {value!r}", value=raw)) from None


def _issue(url: str, slug: str, everyone: bool, issued: date) -> Issue:
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.live.boards import BoardRegistry
    from contest.services import serials
    from contest.services.errors import ServiceError

    engine = make_engine(url)
    try:
        migrate(engine)
        db = make_sessions(engine)
        return serials.issue(db, BoardRegistry(db), slug, everyone=everyone, on=issued)
    except ServiceError as exc:
        raise ContestError(exc.message) from None
    finally:
        engine.dispose()


def _with_progress(
    found: Issue,
    target: Path,
    title: str,
    base_url: str,
    issuer: str,
    gettext: Gettext,
    font: Path | None,
    background: Path | None,
) -> int:
    """The PDF, with a rich progress bar on standard error when it is a terminal (a plain final line otherwise)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from contest.exports.certificates import write_certificates

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as bar:
        task = bar.add_task(title, total=len(found.holders))

        def step(done: int) -> None:
            if done % 50 == 0 or done == len(found.holders):
                bar.update(task, completed=done)

        return write_certificates(
            found, target, base_url=base_url, issuer=issuer, gettext=gettext, font=font,
            background=background, progress=step,
        )  # fmt: skip
