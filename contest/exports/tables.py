"""Standings as CSV (stdout or a file Excel opens), XLSX and JSON.

Text that came from uploads (names, organizations, codes) is guarded against formula injection: in CSV a cell
starting with = + - @ or a control character gets a leading apostrophe, so a spreadsheet shows it as text and never
runs it; in XLSX every text cell is stored as a string cell, which Excel shows as written and never evaluates.
Totals are written with exactly the contest's decimals (``78.40``); JSON carries them as strings.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from contest.scoring import Board, Row
from contest.scoring.messages import Gettext, translated

_RISKY = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: str) -> str:
    """A cell that a spreadsheet will show as text, never evaluate."""
    return "'" + value if value.startswith(_RISKY) else value


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def columns(board: Board, rows: Sequence[Row]) -> list[str]:
    """SPEC's columns in SPEC's order, then `group` and `advances` only when they apply."""
    cols = ["rank", "entrant", "name", "organization", *board.definition.standing_rounds(board.round.key)]
    cols.extend(["total", "award"])
    if any(r.group for r in rows):
        cols.append("group")
    if board.round.advance:
        cols.append("advances")
    return cols


def table(
    board: Board, rows: Sequence[Row], guard: Callable[[str], str] = safe_text
) -> tuple[list[str], list[list[str]]]:
    """Header and text cells; `guard` protects text from uploads (CSV: a leading apostrophe)."""
    safe_text = guard
    cols = columns(board, rows)
    out = []
    for row in rows:
        cells = {
            "rank": "" if row.rank is None else str(row.rank),
            "entrant": safe_text(row.entrant),
            "name": safe_text(row.name),
            "organization": safe_text(row.organization),
            "group": safe_text(row.group),
            "total": _number(row.total),
            "award": safe_text(row.award or ""),
            "advances": "yes" if row.advances else "",
        }
        cells.update({key: _number(value) for key, value in row.rounds.items()})
        out.append([cells[c] for c in cols])
    return cols, out


def write_csv(board: Board, rows: Sequence[Row], stream: IO[str]) -> None:
    cols, cells = table(board, rows)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(cells)


def as_json(board: Board, rows: Sequence[Row]) -> dict[str, Any]:
    return {
        "contest": board.definition.slug,
        "version": board.version,
        "round": board.round.key,
        "rows": [
            {
                "rank": r.rank,
                "entrant": r.entrant,
                "name": r.name,
                "organization": r.organization,
                "group": r.group,
                "rounds": {k: None if v is None else f"{v:f}" for k, v in r.rounds.items()},
                "total": None if r.total is None else f"{r.total:f}",
                "award": r.award,
                "advances": r.advances,
                "complete": r.complete,
                "issues": list(r.issues),
            }
            for r in rows
        ],
    }


def write_xlsx(board: Board, rows: Sequence[Row], path: Path, gettext: Gettext | None = None) -> None:
    """The standing as a workbook; the `note` column (what an incomplete entrant lacks) in the language of
    `gettext`, English without one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cols, cells = table(board, rows, guard=str)  # raw text, stored below as string cells
    book = Workbook()
    sheet = book.active
    sheet.title = board.round.key[:31]
    sheet.append([*cols, "note"])
    numeric = {
        i
        for i, c in enumerate(cols)
        if c == "rank" or c == "total" or c in board.definition.standing_rounds(board.round.key)
    }
    fmt = "0" if board.definition.decimals == 0 else "0." + "0" * board.definition.decimals
    for row, line in zip(rows, cells, strict=True):
        values: list[Any] = []
        for i, text in enumerate(line):
            if i in numeric and text:
                values.append(int(text) if cols[i] == "rank" else Decimal(text))
            else:
                values.append(text)
        sheet.append(
            [*values, "; ".join(issue if gettext is None else translated(issue, gettext) for issue in row.issues)]
        )
        for i, cell in enumerate(sheet[sheet.max_row]):
            if i in numeric:
                if cols[i] != "rank":
                    cell.number_format = fmt
            elif cell.value:
                cell.data_type = "s"  # text as entered, never a formula: "=..." shows as written, runs nothing
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, name in enumerate([*cols, "note"], start=1):
        width = max([len(name), *(len(str(line[i - 1])) if i <= len(line) else 0 for line in cells)], default=8)
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(40, width * 1.6 + 2)
    book.save(path)


def write(board: Board, rows: Sequence[Row], path: Path, gettext: Gettext | None = None) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as stream:  # BOM: Excel on Chinese Windows
            write_csv(board, rows, stream)
    elif suffix == ".xlsx":
        write_xlsx(board, rows, path, gettext)
    elif suffix == ".json":
        path.write_text(json.dumps(as_json(board, rows), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        raise ValueError(f"-o: expected a file ending in .csv, .xlsx or .json, got {path.name!r}")


def csv_text(board: Board, rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    write_csv(board, rows, buffer)
    return buffer.getvalue()
