"""The `contest` console script. `main(argv)` returns the exit code: 0 done, 2 invalid input, 1 anything else.

No traceback reaches the user: problems they can fix are printed as the core words them, and anything else as
one line naming it an internal error (set CONTEST_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from contest import __version__, cli_certificates, cli_credentials, cli_export
from contest.language import environment_locale, gettext_for, normalize_locale
from contest.scoring import Board, ContestError, Entrant, MarkSheet, explain, parse_definition
from contest.scoring.messages import Message, translated
from contest.settings import Settings, lan_address

EXIT_INVALID = 2
EXIT_FAILED = 1
_language: str | None = None  # --lang of the command running: its explanation and its errors speak it


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ContestError(Message("{file}: not UTF-8 text; save the contest file as UTF-8", file=str(path))) from None
    except OSError as exc:
        raise ContestError(Message("{file}: cannot read the file ({why})", file=str(path), why=exc.strerror)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="contest")
def cli() -> None:
    """contest — skills-competition scoring (技能竞赛评分).

    Score contests from a contest file (TOML) and marks (CSV) exactly, with trimmed means, weights, difficulty
    factors, deductions, measured values, several items and rounds, tie-breakers and awards.
    """


COMPUTE_HELP = """Rank a contest offline: the same core the server uses.

\b
  contest compute fixtures/diving/contest.toml --marks fixtures/diving/marks.csv \\
      --entrants fixtures/diving/entrants.csv
  contest compute tea.toml --marks marks.csv --entrants entrants.xlsx -o results.xlsx
  contest compute tea.toml --marks marks.csv --explain T03

Writes CSV to standard output with the columns
rank,entrant,name,organization,<each round the standing adds>,total,award[,group][,advances]
(totals with exactly the contest's decimals; incomplete entrants have no rank and no total), or a .csv (UTF-8
with BOM, for Excel), .xlsx or .json file with -o. --explain prints how one entrant's total was reached, from
each judge's mark, in Chinese or English (--lang).

\b
CONTEST.toml, one contest (full reference: README):
  [contest]            slug = "tea-2026", title = "...", decimals = 2, blind = false,
                       judges = ["J1", "J2", "J3", "J4", "J5"]   # the panel, if known
  [[criteria]]         key = "taste", label = "滋味", min = 0, max = 100, step = 0.5,
                       judged = false (entered once: difficulty, sales, yield), default = 1.0,
                       deduction = true (扣分, subtracted from the item), relative = true
                       (value / best of the field; better = "lower": best / value)
  [scoring]            panel = "mean" | "median" | "sum" | "trimmed_mean" | "trimmed_sum",
                       drop = 1 (per side; or { 5 = 1, 7 = 2 } by panel size),
                       judge = "a + b" (each judge's total first; the panel combines those as `panel`),
                       subtotals = { name = "formula" }, item = "execution * dd",
                       round = "sum" | "mean" | "best", missing_items = "incomplete" | "zero",
                       round_steps = false (true: round every step to decimals, as on paper)
  [[rounds]]           key = "final", items = 6, criteria = ["..."], judges = [...], advance = 8,
                       standing = "semi + final"; [rounds.scoring] overrides [scoring] for the round
  [ranking]            tie_breakers = ["final", "execution"], groups = "separate" | "together",
                       incomplete = "unranked" | "rank"
  [[awards]]           name = "一等奖", top = 3 | share = 0.1 (rounding = "down" | "half_up" | "up"),
                       min_total = 80

\b
ENTRANTS (.csv or .xlsx), first row:  code,name,organization[,group]  or  编号,姓名,单位[,组别]
MARKS (.csv), first row:             entrant,round,item,criterion,judge,value
  one value a row; item counts from 1 (empty: 1); judge empty for criteria that are not judged.

Exit status: 0 done, 2 invalid input (every problem listed with its file, row and column), 1 other errors.
"""


@cli.command(help=COMPUTE_HELP, short_help="Rank a contest from a contest file and marks (CSV).")
@click.argument("contest_file", metavar="CONTEST.toml", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--marks",
    "marks_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Marks CSV: entrant,round,item,criterion,judge,value.",
)
@click.option(
    "--entrants",
    "entrants_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Entrants CSV or XLSX: code,name,organization[,group] (编号,姓名,单位,组别).",
)
@click.option("--round", "round_key", metavar="KEY", help="The round whose standing to compute (default: the last).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to a .csv, .xlsx or .json file instead of CSV on standard output.",
)
@click.option("--explain", "explain_code", metavar="ENTRANT", help="Print how this entrant's total was reached.")
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"], case_sensitive=False),
    help="Language of --explain and of error messages (default: Chinese when LC_ALL, LC_MESSAGES or LANG is zh_*, "
    "else English).",
)
def compute(
    contest_file: Path,
    marks_file: Path,
    entrants_file: Path | None,
    round_key: str | None,
    output: Path | None,
    explain_code: str | None,
    lang: str | None,
) -> None:
    from contest.exports import tables
    from contest.imports import read_entrants, read_marks

    global _language
    _language = normalize_locale(lang)

    definition = parse_definition(_read_text(contest_file))
    entrants = read_entrants(entrants_file) if entrants_file else []
    marks = read_marks(marks_file, definition, entrants or None)
    if not entrants:
        entrants = [Entrant(code) for code in dict.fromkeys(m.entrant for m in marks)]
    key = round_key or definition.rounds[-1].key
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx", ".json"):
        raise ContestError(
            Message("-o: expected a file ending in .csv, .xlsx or .json, got {name!r}", name=output.name)
        )
    board = Board(definition, key, entrants, MarkSheet(marks))
    if explain_code is not None:
        click.echo("\n".join(explain(board, explain_code).lines(gettext_for(_language or environment_locale()))))
        return
    rows = board.rows()
    if output is None:
        click.echo(tables.csv_text(board, rows), nl=False)
    else:
        gettext = gettext_for(_language or environment_locale())
        tables.write(board, rows, output, gettext)
        ranked = sum(1 for r in rows if r.rank is not None)
        done = Message("{file}: {count} entrants, {ranked} ranked", file=str(output), count=len(rows), ranked=ranked)
        click.echo(translated(done, gettext), err=True)


DB_OPTION = click.option(
    "--db", "db_url", metavar="URL", help="Database URL (default: CONTEST_DATABASE_URL or sqlite:///contest.db)."
)


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(None, **overrides)
    except ValueError as exc:
        raise ContestError(str(exc)) from None


@cli.command(short_help="Run the server.")
@DB_OPTION
@click.option("--redis", "redis_url", metavar="URL", help="Redis URL for several workers or hosts (CONTEST_REDIS_URL).")
@click.option("--host", help="Address to listen on (default 127.0.0.1; 0.0.0.0 for the venue network).")
@click.option("--port", type=int, help="Port (default 8000).")
@click.option("--workers", type=int, help="Worker processes (default 1).")
@click.option(
    "--ws-ping-interval",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Heartbeat on every websocket this often, to find screens that went away (default 20; 0: none; "
    "CONTEST_WS_PING_INTERVAL).",
)
@click.option(
    "--ws-ping-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close a websocket whose heartbeat stays unanswered this long (default 20; 0: never; "
    "CONTEST_WS_PING_TIMEOUT).",
)
# connection limits (contest/web/limits.py, README "Limits")
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close a connection that has not sent a request's headers this long after connecting (default 10; "
    "0: never; CONTEST_HEADER_TIMEOUT).",
)
@click.option(
    "--keep-alive-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Close an idle keep-alive connection after this long (default 5; CONTEST_KEEP_ALIVE_TIMEOUT).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    metavar="N",
    help="Connections and requests a worker serves at once, 503 beyond (default: the open-file limit less a "
    "reserve; 0: no limit; CONTEST_MAX_CONNECTIONS).",
)
@click.option(
    "--max-connections-per-ip",
    type=click.IntRange(min=0),
    metavar="N",
    help="Open connections a worker keeps from one address (default 100; 0: none; CONTEST_MAX_CONNECTIONS_PER_IP).",
)
@click.option(
    "--trusted-proxies",
    metavar="ADDRESSES",
    help="Reverse proxies whose X-Forwarded-For names the client, comma-separated addresses or networks "
    "(default: none; CONTEST_TRUSTED_PROXIES).",
)
def serve(
    db_url: str | None,
    redis_url: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    ws_ping_interval: float | None = None,
    ws_ping_timeout: float | None = None,
    header_timeout: float | None = None,
    keep_alive_timeout: float | None = None,
    max_connections: int | None = None,
    max_connections_per_ip: int | None = None,
    trusted_proxies: str | None = None,
) -> None:
    """Run the judging server: SQLite file by default, PostgreSQL when given a URL. Settings also come from
    CONTEST_DATABASE_URL, CONTEST_REDIS_URL, CONTEST_REDIS_PREFIX (channel names, default "contest:"),
    CONTEST_HOST, CONTEST_PORT, CONTEST_WORKERS, CONTEST_PUBLIC_URL (what QR codes point at), CONTEST_SECRET_KEY
    (signs judges' session cookies; by default a key kept in the database), CONTEST_WS_PING_INTERVAL and
    CONTEST_WS_PING_TIMEOUT, and the connection limits (README "Limits").

    Several workers (--workers, or servers on several hosts sharing one PostgreSQL database) show the same
    standings: with --redis they tell each other about every change at once; without it each polls the
    database's change log twice a second for the contests its screens watch."""
    import uvicorn

    from contest.web import limits

    settings = _settings(
        database_url=db_url,
        redis_url=redis_url,
        host=host,
        port=port,
        workers=workers,
        ws_ping_interval=ws_ping_interval,
        ws_ping_timeout=ws_ping_timeout,
        header_timeout=header_timeout,
        keep_alive_timeout=keep_alive_timeout,
        max_connections=max_connections,
        max_connections_per_ip=max_connections_per_ip,
        trusted_proxies=None if trusted_proxies is None else _proxies(trusted_proxies),
    )
    limits.export(settings, os.environ)  # the workers' connection protocol and app read the limits from there
    # every worker process builds its app from these (uvicorn's workers import the factory by name)
    os.environ["CONTEST_DATABASE_URL"] = settings.database_url
    os.environ["CONTEST_HOST"] = settings.host
    os.environ["CONTEST_PORT"] = str(settings.port)
    if settings.redis_url:
        os.environ["CONTEST_REDIS_URL"] = settings.redis_url
    click.echo(f"contest: serving {settings.base_url} (database {_shown_url(settings.database_url)})", err=True)
    uvicorn.run(
        "contest.web.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        ws_per_message_deflate=False,  # the same bytes go to every screen: compressing per socket costs CPU
        ws_ping_interval=settings.ws_ping_interval or None,
        ws_ping_timeout=settings.ws_ping_timeout or None,
        log_level="warning",
        **limits.uvicorn_options(settings),  # http and ws protocols (websockets-sansio), timeouts, proxy headers
    )


def _proxies(raw: str) -> tuple[str, ...]:
    from contest.settings import networks

    try:
        return networks("--trusted-proxies", raw)
    except ValueError as exc:
        raise ContestError(str(exc)) from None


def _shown_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…@{rest.split('@', 1)[1]}" if "@" in rest else url


# `contest token` (create, --list, --revoke ID) and `contest judges revoke|reissue`: contest/cli_credentials.py
cli.add_command(cli_credentials.token)
cli.add_command(cli_credentials.judges)
# `contest export SLUG -o OUT.(xlsx|csv)`: the results workbook or a standing as CSV (contest/cli_export.py)
cli.add_command(cli_export.export)
# `contest certificates SLUG -o OUT.pdf`: certificates with signed serials (contest/cli_certificates.py)
cli.add_command(cli_certificates.certificates)
# `contest sheets SLUG -o OUT.pdf`: score sheets per judge or entrant, and --check DIGEST (contest/cli_sheets.py)
from contest import cli_sheets  # noqa: E402

cli.add_command(cli_sheets.sheets)
# `contest draw SLUG [--layers 1|2]` and `contest decrypt SLUG --reason TEXT`: blind codes (contest/cli_draws.py)
from contest import cli_draws  # noqa: E402

cli.add_command(cli_draws.draw)
cli.add_command(cli_draws.decrypt)


@cli.command(short_help="Put a contest, its entrants and marks into the database.")
@click.argument("contest_file", metavar="CONTEST.toml", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--entrants", "entrants_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--marks", "marks_file", type=click.Path(path_type=Path, dir_okay=False))
@DB_OPTION
def load(contest_file: Path, entrants_file: Path | None, marks_file: Path | None, db_url: str | None) -> None:
    """Load a contest file, entrants (CSV/XLSX) and marks (CSV, e.g. typed in from paper sheets) as if entered
    through the API, with the same checks. Running it again stores nothing twice."""
    from contest.loading import load_files

    settings = _settings(database_url=db_url)
    report = load_files(settings.database_url, contest_file, entrants_file, marks_file)
    for line in report:
        click.echo(line)


@cli.command(short_help="Check every standing of a contest against a fresh computation.")
@click.argument("slug")
@DB_OPTION
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"], case_sensitive=False),
    help="Language of the report (default: Chinese when LC_ALL, LC_MESSAGES or LANG is zh_*, else English).",
)
def verify(slug: str, db_url: str | None, lang: str | None) -> None:
    """Recompute every standing of the contest (every round, every group, the frozen boards) from the stored
    marks and compare it with what the server shows: the boards built as a server builds them, loaded at once and
    replayed from the change log one change at a time. Exit status 0 when all agree, 1 with each difference
    listed (round, group, entrant, field, shown and fresh value)."""
    from contest.db.engine import make_engine, make_sessions, migrate
    from contest.services import verify as checking
    from contest.services.errors import ServiceError

    global _language
    _language = normalize_locale(lang)
    gettext = gettext_for(_language or environment_locale())
    settings = _settings(database_url=db_url)
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


@cli.command(short_help="A ready venue: fixture contests, judges and links, then serve.")
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

    settings = _settings(database_url=db_url, host=host, port=port)
    if host in ("0.0.0.0", "::") and not settings.public_url and lan_address() is None:
        click.echo("warning: no network address found; set CONTEST_PUBLIC_URL for the QR codes", err=True)
    venue = prepare(settings.database_url)
    base = settings.base_url
    click.echo(f"\ncontest demo — {base}  (database {_shown_url(settings.database_url)})\n")
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


@cli.command(short_help="Copy the database while the server runs.")
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

    settings = _settings(database_url=db_url)
    done = take_backup(settings.database_url, output, force=force)
    click.echo(translated(done.summary(), gettext_for(environment_locale())))


def main(argv: Sequence[str] | None = None) -> int:
    global _language
    _language = None
    try:
        # a command ending with click's Exit (`verify` finding differences: 1) hands its status back here
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="contest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INVALID if exc.exit_code == 2 else EXIT_FAILED
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_FAILED
    except ContestError as exc:
        gettext = gettext_for(_language or environment_locale())
        click.echo(translated(Message("error: {message}", message=exc.text(gettext)), gettext), err=True)
        return EXIT_INVALID
    except Exception as exc:  # a bug: one line, never a traceback, unless asked for
        if os.environ.get("CONTEST_DEBUG"):
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set CONTEST_DEBUG=1 for details)", err=True)
        return EXIT_FAILED
    return status if isinstance(status, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
