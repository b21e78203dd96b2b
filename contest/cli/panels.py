"""`contest panels draw|export|import` (registered by contest/cli/__init__.py): who judges whom (评委分组) from the
command line, the same use cases as the API (contest/services/assignments.py), recorded as done by "command line
(user@host)".
"""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path

import click

from contest.cli.database import DB_OPTION, database, settings_for

PANELS_HELP = """Who judges whom (评委分组): draw, export and import a round's assignments.

\b
  contest panels draw tea-2026 --round prelim --seed 2026          # each entrant panel_size judges, balanced
  contest panels draw tea-2026 --round prelim --by panels          # each entrant one of the file's [[panels]]
  contest panels export tea-2026 -o assignments.csv                # the assignments in force (.csv or .xlsx)
  contest panels import tea-2026 assignments.csv --reason "调换评委"  # rows entrant,round,item,panel or
                                                                   # entrant,round,judge
"""


@click.group(help=PANELS_HELP, short_help="Draw, export and import who judges whom (评委分组).")
def panels() -> None:
    pass


@panels.command("draw", short_help="Draw a round's assignments: balanced, with recusal (回避), from a seed.")
@click.argument("slug")
@click.option("--round", "round_key", required=True, metavar="KEY", help="The round to draw.")
@click.option(
    "--seed", type=click.IntRange(0, 2**63 - 1), default=None, help="The seed (default: a random one, printed)."
)
@click.option(
    "--by",
    "method",
    type=click.Choice(["judges", "panels"]),
    default="judges",
    show_default=True,
    help="Draw judges one by one, or whole panels of the contest file.",
)
@click.option(
    "--conflicts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A CSV of judge,entrant pairs that must not meet (besides [recusal]).",
)
@click.option("--reason", default="", metavar="TEXT", help="Why (required once marks exist in the round).")
@DB_OPTION
def draw(
    slug: str, round_key: str, seed: int | None, method: str, conflicts: Path | None, reason: str, db_url: str | None
) -> None:
    from contest.services import assignments
    from contest.services.draws import Actor

    pairs = _conflicts(conflicts) if conflicts is not None else []
    chosen = seed if seed is not None else secrets.randbelow(2**63 - 1)
    with database(settings_for(database_url=db_url)) as db:
        done = assignments.draw(
            db, Actor.command_line(), slug, round_key, seed=chosen, method=method, reason=reason, conflicts=pairs
        )
    click.echo(
        f"{slug}: round {round_key} drawn for {done['entrants']} entrants ({done['rows']} assignments) "
        f"with seed {chosen} (version {done['version']})"
    )
    _kept(done["kept"])


@panels.command("export", short_help="Write the assignments in force to a CSV or XLSX file.")
@click.argument("slug")
@click.option("--round", "round_key", default=None, metavar="KEY", help="Only this round.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="OUT.csv or OUT.xlsx."
)
@DB_OPTION
def export(slug: str, round_key: str | None, output: Path, db_url: str | None) -> None:
    from contest.exports.tables import safe_text
    from contest.services import assigned
    from contest.services.assignment_files import COLUMNS, xlsx_bytes

    with database(settings_for(database_url=db_url), readonly=True) as db:
        rows = assigned.export(db, slug, round_key)
        recused = assigned.recused(db, slug, rows)
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.BadParameter(f"expected a file ending in .csv or .xlsx, got {output.name!r}", param_hint="-o")
    try:
        if suffix == ".xlsx":
            output.write_bytes(xlsx_bytes(rows))
        else:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows([safe_text(str(row[c])) for c in COLUMNS] for row in rows)
            output.write_text(out.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write the file ({exc.strerror})") from None
    click.echo(f"{len(rows)} assignments written to {output}")
    for why in recused:  # the contest file's ranges put these judges on entrants they must not score
        click.echo(f"recused (回避), marks will be refused: {why}", err=True)


@panels.command("import", short_help="Replace rounds' assignments with a CSV or XLSX file's rows.")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="", metavar="TEXT", help="Why (required once marks exist in a round).")
@DB_OPTION
def import_(slug: str, file: Path, reason: str, db_url: str | None) -> None:
    from contest.services import assignments
    from contest.services.assignment_files import assigned_rows, table_rows
    from contest.services.draws import Actor

    with database(settings_for(database_url=db_url)) as db:
        rows = assigned_rows(db, slug, table_rows(file.name, file.read_bytes()))
        done = assignments.replace(db, Actor.command_line(), slug, rows, reason=reason)
    for each in done["rounds"]:
        click.echo(f"{slug}: round {each['round']}: {each['entrants']} entrants, {each['rows']} assignments")
        _kept(each["kept"])
    click.echo(f"version {done['version']}")


def _conflicts(path: Path) -> list[tuple[str, str]]:
    from contest.table_files import read_rows

    headers, rows = read_rows(path)
    names = [h.strip().lower() for h in headers]
    if "judge" not in names or "entrant" not in names:
        raise click.BadParameter("expected the columns judge,entrant", param_hint="--conflicts")
    judge, entrant = names.index("judge"), names.index("entrant")
    return [(cells[judge].strip(), cells[entrant].strip()) for _, cells in rows if len(cells) > max(judge, entrant)]


def _kept(marks: list[dict[str, object]]) -> None:
    if marks:
        click.echo(f"{len(marks)} marks already given on these entrants keep counting (their judges stay on them):")
        for m in marks[:20]:
            click.echo(f"  {m['entrant']} item {m['item']} {m['criterion']} {m['judge']} = {m['value']}")
