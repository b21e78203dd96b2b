"""`contest compute`: rank a contest offline from a contest file and marks, with the core the server uses."""

from __future__ import annotations

from pathlib import Path

import click

from contest.cli import language
from contest.cli.language import lang_option
from contest.scoring import Board, ContestError, Entrant, MarkSheet, explain, parse_definition
from contest.scoring.errors import MarkError
from contest.scoring.item_panels import panel_problems
from contest.scoring.messages import Message, translated


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ContestError(Message("{file}: not UTF-8 text; save the contest file as UTF-8", file=str(path))) from None
    except OSError as exc:
        raise ContestError(Message("{file}: cannot read the file ({why})", file=str(path), why=exc.strerror)) from None


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


@click.command(help=COMPUTE_HELP, short_help="Rank a contest from a contest file and marks (CSV).")
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
@lang_option(
    "Language of --explain and of error messages (default: Chinese when LC_ALL, LC_MESSAGES or LANG is zh_*, "
    "else English)."
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

    language.choose(lang)

    definition = parse_definition(read_text(contest_file))
    entrants = read_entrants(entrants_file) if entrants_file else []
    marks = read_marks(marks_file, definition, entrants or None)
    # more marks than panel_size, a judge off their aspect team, a recused judge (回避), as the server refuses them
    if crowded := panel_problems(definition, marks, entrants):
        raise MarkError(crowded, title=Message("{file}: {count} bad marks", file=marks_file.name, count=len(crowded)))
    if not entrants:
        entrants = [Entrant(code) for code in dict.fromkeys(m.entrant for m in marks)]
    key = round_key or definition.rounds[-1].key
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx", ".json"):
        raise ContestError(
            Message("-o: expected a file ending in .csv, .xlsx or .json, got {name!r}", name=output.name)
        )
    board = Board(definition, key, entrants, MarkSheet(marks))
    if explain_code is not None:
        click.echo("\n".join(explain(board, explain_code).lines(language.gettext())))
        return
    rows = board.rows()
    if output is None:
        click.echo(tables.csv_text(board, rows), nl=False)
    else:
        gettext = language.gettext()
        tables.write(board, rows, output, gettext)
        ranked = sum(1 for r in rows if r.rank is not None)
        done = Message("{file}: {count} entrants, {ranked} ranked", file=str(output), count=len(rows), ranked=ranked)
        click.echo(translated(done, gettext), err=True)
